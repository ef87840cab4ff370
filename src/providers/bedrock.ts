// `type: "bedrock"` — AWS Bedrock through the Converse API (POST /model/{id}/converse and
// /converse-stream), signed with SigV4 (aws4fetch). Translation lives in bedrock-request.ts,
// bedrock-response.ts and bedrock-stream.ts; the binary stream framing in aws-event-stream.ts.
//
// Maps: system/developer → system blocks; user text, images and files (base64 data URLs only:
// Converse needs bytes) → content blocks; assistant tool_calls → toolUse; tool messages →
// toolResult blocks in a user turn (their images and documents too); tools/tool_choice → toolConfig; max_(completion_)tokens,
// temperature, top_p, stop → inferenceConfig; response_format json_schema → outputConfig.
// Rejected (400): n > 1, logprobs/top_logprobs, presence/frequency_penalty, logit_bias,
// parallel_tool_calls false, non-text modalities, audio, functions/function_call,
// web_search_options, reasoning_effort on models other than Claude and Nova 2 (and high with an
// output cap on Nova 2), response_format json_object, image links, audio input,
// custom tools (function-tools.ts; allowed_tools naming function tools is honoured).
// With no tool callable (no tools, or tool_choice none: Converse has no "none") the history's
// tool calls and results are sent as text, since Converse refuses toolUse/toolResult blocks
// without a toolConfig. Tool-call ids outside [a-zA-Z0-9_-]{1,64} are rewritten (same in calls
// and results); document names keep to letters, digits, single spaces, hyphens and brackets.
// stopReason malformed_tool_use / malformed_model_output is a failed attempt, not a finish.
// Dropped, harmless: user, seed (best effort in OpenAI too), metadata, store, service_tier,
// prediction, prompt_cache_key, prompt_cache_retention, safety_identifier, verbosity, message
// `name`. Reasoning blocks (Claude's extended thinking through
// additionalModelRequestFields) come back as `reasoning_content` and signed `thinking_blocks`, and
// an assistant message's `thinking_blocks` go back as reasoningContent blocks (src/providers/thinking.ts).
// reasoning_effort on Claude models → Claude's `thinking` in additionalModelRequestFields, as
// for Anthropic (claude-thinking.ts; maxTokens 4096 plus the budget when the request sets none);
// on Amazon Nova 2 Lite and Pro → additionalModelRequestFields.reasoningConfig (maxReasoningEffort
// low/medium/high, `disabled` for none);
// and the request's `anthropic-beta` betas → additionalModelRequestFields.anthropic_beta (joined
// with the body's own), for Claude models and ARNs that name no family.
// Parameters that are not OpenAI's are forwarded, never dropped: Converse's own top-level fields
// (guardrailConfig, performanceConfig, promptVariables, requestMetadata,
// additionalModelResponseFieldPaths) as they are, anything else (top_k, thinking…) inside
// additionalModelRequestFields, where the model validates it. The additionalModelResponseFields
// Converse returns come back under that name, top level of the answer (in a stream, the finish chunk).
// A /v1/messages request with Anthropic's own tools goes instead, as the client wrote it, to
// InvokeModel (POST /model/{id}/invoke, /invoke-with-response-stream) when Bedrock's Claude runs
// every tool it has (bedrock-native.ts: computer use, bash, the text editor, memory, tool search by
// regex), its answer relayed as Claude wrote it (anthropic-native.ts; the event stream's frames made
// SSE again by bedrock-invoke-stream.ts); one with another (web search, code execution) passes it over.
// An image the model makes (Nova 2 Omni's `image` block) is relayed as message.images (a stream's
// as delta.images when its block stops), base64 data: URLs (bedrock-images.ts, output-images.ts); it
// also makes the answer's usage count its output as image tokens (bedrock-response.ts). Sent back
// as the assistant message's `images`, they open the next user turn behind a note, as for Anthropic:
// Converse takes images in user turns only (assistant-images.ts).
// Embeddings are not offered (Converse is chat only).
import { AwsV4Signer } from 'aws4fetch';
import * as z from 'zod';
import { cloudBetas, cloudToolBetas } from './anthropic-beta';
import { nativeMessages } from './anthropic-native';
import { pathSegment, urlUnder } from './base-url';
import { bedrockErrorFrom } from './bedrock-errors';
import { invokeStreamAsSSE } from './bedrock-invoke-stream';
import { bedrockRunsNative, invokeBody } from './bedrock-native';
import { bedrockClaude, toConverseRequest } from './bedrock-request';
import { toCompletion } from './bedrock-response';
import { translateConverseStream } from './bedrock-stream';
import { sentWithinModelCap } from './cap-refusal';
import { converseWithin } from './claude-cap';
import { resolveSecret, secretRef } from './secret';
import type { ChatCall, ProviderAdapter, ProviderDeps } from './types';
import { Unsupported, UpstreamError } from './types';
import { fetchUpstream, streamBody } from './upstream-error';

export const bedrockProviderSchema = z.strictObject({
  type: z.literal('bedrock'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1'),
  accessKeyId: secretRef,
  secretAccessKey: secretRef,
  sessionToken: secretRef.optional(),
  /** Replaces https://bedrock-runtime.{region}.amazonaws.com (VPC endpoints, tests). */
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  models: z.array(z.string().min(1)).optional(),
});
export type BedrockProviderConfig = z.infer<typeof bedrockProviderSchema>;

const EVENT_STREAM = 'application/vnd.amazon.eventstream';

export function createBedrock(
  name: string,
  config: BedrockProviderConfig,
  deps: ProviderDeps,
): ProviderAdapter {
  const under = urlUnder(config.baseUrl ?? `https://bedrock-runtime.${config.region}.amazonaws.com`);
  const secrets = {
    accessKeyId: resolveSecret(config.accessKeyId, deps.env),
    secretAccessKey: resolveSecret(config.secretAccessKey, deps.env),
    sessionToken: resolveSecret(config.sessionToken, deps.env),
  };

  const credentials = () => {
    const missing = Object.values(secrets).find((s) => s.missing)?.missing;
    if (missing) {
      throw new UpstreamError(
        'config',
        0,
        `Provider '${name}' is missing AWS credentials: set the Worker secret ${missing}.`,
      );
    }
    return {
      accessKeyId: secrets.accessKeyId.value ?? '',
      secretAccessKey: secrets.secretAccessKey.value ?? '',
      ...(secrets.sessionToken.value ? { sessionToken: secrets.sessionToken.value } : {}),
    };
  };

  /** Signs and posts `body` to the model's `operation`; an answer that is not ok is thrown. */
  const post = async (model: string, operation: string, body: unknown, signal: AbortSignal) => {
    const payload = JSON.stringify(body);
    const streams = operation === 'converse-stream' || operation === 'invoke-with-response-stream';
    // Model ids contain ':' and ARNs contain '/': one encoded path segment either way.
    const url = under(`/model/${pathSegment(model)}/${operation}`);
    const signed = await new AwsV4Signer({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        accept: streams ? EVENT_STREAM : 'application/json',
      },
      body: payload,
      service: 'bedrock',
      region: config.region,
      ...credentials(),
    }).sign();
    const response = await fetchUpstream(deps.fetch, name, signed.url.toString(), {
      method: 'POST',
      headers: signed.headers,
      body: payload,
      signal,
    });
    if (!response.ok) throw await bedrockErrorFrom(name, response);
    return response;
  };

  /**
   * A /v1/messages request as written (ChatCall.native) through InvokeModel, in Bedrock's envelope
   * (invokeBody), the request's betas Bedrock takes and those its tools need in `anthropic_beta`;
   * the answer is Claude's Messages JSON, or its events in an event stream, made SSE again.
   */
  const invokeMessages = (call: ChatCall, native: NonNullable<ChatCall['native']>) => {
    if (native.api !== 'messages' || !bedrockClaude(call.model))
      throw new Unsupported(
        `${name} (Bedrock) serves no ${native.api} request as written for '${call.model}'.`,
        'tools',
      );
    const betas = [...cloudBetas('bedrock', call.betas ?? []), ...cloudToolBetas('bedrock', native.body)];
    return nativeMessages(name, call, native.body, async (body, signal) => {
      const stream = body.stream === true;
      const operation = stream ? 'invoke-with-response-stream' : 'invoke';
      const response = await post(call.model, operation, invokeBody(body, betas), signal);
      if (!stream) return response;
      const upstream = await streamBody(name, response, EVENT_STREAM, 'an event stream');
      return new Response(invokeStreamAsSSE(name, upstream), {
        headers: { 'content-type': 'text/event-stream' },
      });
    });
  };

  return {
    name,
    type: 'bedrock',
    chatOnly: true,
    models: config.models ?? [],
    servesClaude: bedrockClaude,

    // Bedrock's Claude runs Anthropic's typed client tools (bedrock-native.ts): a /v1/messages request
    // with only those comes as written, through InvokeModel; one with any other passes this target over.
    servesNative: (api, model, needs) =>
      api === 'messages' && bedrockClaude(model) && needs.every(bedrockRunsNative),

    async chat(call) {
      const { body, model, signal, requestId, betas, thinkingAsSigned } = call;
      if (call.native) return invokeMessages(call, call.native);
      const stream = body.stream === true;
      const operation = stream ? 'converse-stream' : 'converse';
      // A maxTokens above the model's limit is refused: once more, at the limit (cap-refusal.ts).
      const response = await sentWithinModelCap(
        toConverseRequest(body, model, betas),
        (sent) => post(model, operation, sent, signal),
        converseWithin,
      );
      const id = `chatcmpl-${requestId}`;
      if (stream) {
        const upstream = await streamBody(name, response, EVENT_STREAM, 'an event stream');
        return {
          kind: 'stream',
          body: translateConverseStream(upstream, name, id, model, thinkingAsSigned === true),
        };
      }
      return { kind: 'json', body: toCompletion(name, await response.text(), id, model) };
    },

    async embeddings() {
      throw new UpstreamError(
        'caller',
        400,
        `Provider '${name}' (bedrock) serves chat only: route embeddings to another provider.`,
        { param: 'model', code: 'model_not_supported' },
      );
    },
  };
}
