// `type: "anthropic"` — Anthropic's Messages API (POST {baseUrl}/v1/messages), translated to and
// from OpenAI chat completions, JSON and SSE.
//
// Request mapping (anthropic-request.ts; content parts in anthropic-content.ts):
// - system and developer messages become `system` text blocks in order; one the client added once
//   the conversation began stays there, as a system turn after its user turn, on Claude Opus 4.8 and
//   later (which take one, and whose thinking is bound to what came before it); Vertex hoists all.
// - Consecutive messages of one role merge into one turn; tool messages become user turns of
//   tool_result blocks (placed first in their turn, as Anthropic requires); assistant tool_calls
//   become tool_use blocks (arguments must be a JSON object). A trailing assistant message is sent
//   as is, which Anthropic treats as a prefill to continue. An assistant message's `images` (an
//   image model's answer sent back): an assistant turn holds no image, so they open the next user
//   turn (after its tool results) behind a note saying they are that answer's; after a final
//   assistant message, none (assistant-images.ts).
// - Images: data: URLs → base64 sources (JPEG/PNG/GIF/WebP), http(s) URLs → url sources. File
//   parts: PDF data: URLs → document blocks. `cache_control` on a content part is kept.
// - reasoning_effort → native `thinking` first (claude-thinking.ts: a budget on Claude 3.7–4.5,
//   adaptive thinking with `output_config.effort` from 4.6; `none` sends none; the client's own
//   `thinking` or `output_config.effort` wins; refused on models that cannot think, and beside a
//   temperature other than 1, top_p below 0.95 or top_k, which thinking rules out).
// - max_completion_tokens ?? max_tokens ?? config `defaultMaxTokens` (4096, plus the thinking
//   budget when `thinking` is enabled, or reasoning_effort's) → max_tokens, which Anthropic requires. stop →
//   stop_sequences (empty ones left out, whitespace-only ones refused: Anthropic refuses them); temperature (≤ 1) as it is, and
//   top_p only without temperature (current Claude models refuse both); safety_identifier ?? user
//   → metadata.user_id as its SHA-256 hex (Anthropic wants an opaque id, never a name or email).
// - Empty and whitespace-only text is left out (Anthropic refuses blank text blocks), and so is a
//   message left with no content, e.g. an empty answer sent back in the history; a final
//   assistant prefill loses its trailing whitespace.
// - tools → tools (input_schema); tool_choice auto/required/none/{function} → auto/any/none/tool;
//   parallel_tool_calls:false → disable_parallel_tool_use.
// - response_format json_schema → Anthropic's structured outputs, `output_config.format` (beside the
//   effort and the client's own output_config fields), on Claude 4.5 and later at Anthropic's own
//   API, where no tool can be forced (extended thinking; Opus and Sonnet 5.5, Fable, Mythos) or the
//   client asks `strict: true`, and the schema fits what they take (anthropic-schema.ts:
//   objects closed, oneOf as anyOf, unenforced constraints told in the description). The answer is
//   the text. Vertex keeps the JSON tool (an organisation policy turns structured outputs off by
//   default). A client's own `output_config.format` or `output_format` wins: no tool, no format added.
// - Otherwise response_format json_object / json_schema → a forced `json_response` tool whose input schema
//   is the requested schema (the approach Anthropic documents for JSON output; it works on every
//   Claude model). Its input is returned as the message content, finish_reason "stop". With other
//   tools callable, tool_choice becomes "any": the model calls a tool or answers through JSON.
//   tool_choice "required" or a named function wins over response_format. With extended thinking
//   no tool can be forced: the JSON tool is offered with tool_choice "auto", and tool_choice
//   "required" or a named function is refused.
// Refused with a 400 naming the parameter: n > 1, logprobs, top_logprobs, non-empty logit_bias,
// non-zero presence/frequency_penalty, temperature > 1, audio, non-text modalities, functions /
// function_call and role "function" (deprecated), web_search_options, audio input, non-PDF files, file ids, custom tools (function-tools.ts;
// allowed_tools naming function tools is honoured).
// Dropped because they do not change the answer's meaning: seed, store, metadata, service_tier,
// prompt_cache_key, prompt_cache_retention, prediction, verbosity, message `name`, image `detail`,
// tool `strict`.
// Unknown parameters (not OpenAI's) are forwarded verbatim into the Anthropic body, so native
// ones (top_k, thinking, …) work; Anthropic rejects fields it does not know with a 400 that passes
// through, so nothing is silently dropped. One that names a field the translation already set
// (e.g. `system` next to system messages) is refused with a 400. A null value counts as unset.
//
// Thinking: an answer's thinking / redacted_thinking blocks come back as `message.thinking_blocks`
// (with signature or data, as given; streamed all in one delta before the finish) and their text as
// `reasoning_content` (streamed as thinking_delta arrives); an assistant message's thinking_blocks
// are sent back first in its turn, which a tool loop with thinking requires.
//
// Response mapping (anthropic-response.ts, anthropic-stream.ts, anthropic-usage.ts): text blocks →
// content, tool_use → tool_calls, thinking blocks → thinking_blocks and reasoning_content;
// stop_reason end_turn/stop_sequence/pause_turn → stop, max_tokens → length, tool_use → tool_calls,
// refusal → content_filter; usage.prompt_tokens = input + cache read + cache creation, with
// prompt_tokens_details.cached_tokens / cache_creation_tokens. Extension
// fields, top level, for /v1/messages: `stop_sequence` (the one matched) beside the finish, and in a
// stream `prompt_usage` on the first chunk (message_start's prompt usage; `usage` still comes last).
import * as z from 'zod';
import { sha256Hex } from '../auth/gateway-key';
import { invalidRequest } from '../errors';
import { joinBetas } from './anthropic-beta';
import { anthropicError } from './anthropic-error';
import { nativeMessages } from './anthropic-native';
import { type AnthropicRequestOptions, toAnthropicRequest } from './anthropic-request';
import { messageSchema, toCompletion } from './anthropic-response';
import { translateStream } from './anthropic-stream';
import { urlUnder } from './base-url';
import { sentWithinModelCap } from './cap-refusal';
import { messagesWithin } from './claude-cap';
import { OpenAIStreamWriter } from './openai-stream-writer';
import { apiKeyFor, resolveSecret, secretRef } from './secret';
import {
  type ChatCall,
  type ChatResult,
  type ProviderAdapter,
  type ProviderDeps,
  Unsupported,
} from './types';
import {
  fetchUpstream,
  parseAnswer,
  parseErrorBody,
  readErrorText,
  retryAfterMs,
  streamBody,
} from './upstream-error';
import { withoutUserinfo } from './url-credentials';

export const ANTHROPIC_VERSION = '2023-06-01';

export const anthropicProviderSchema = z.strictObject({
  type: z.literal('anthropic'),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiKey: secretRef.optional(),
  /** Extra headers sent upstream, e.g. `anthropic-beta`. */
  headers: z.record(z.string(), z.string()).optional(),
  models: z.array(z.string().min(1)).optional(),
  /** max_tokens when the client sets none (Anthropic requires one). */
  defaultMaxTokens: z.number().int().positive().optional(),
});
export type AnthropicProviderConfig = z.infer<typeof anthropicProviderSchema>;

export function createAnthropic(
  name: string,
  config: AnthropicProviderConfig,
  deps: ProviderDeps,
): ProviderAdapter {
  // The key goes in `x-api-key`, so a proxy's user:password in baseUrl can go in Authorization.
  const base = withoutUserinfo(config.baseUrl ?? 'https://api.anthropic.com', config.headers);
  const url = urlUnder(base.url)('/v1/messages');
  const apiKey = resolveSecret(config.apiKey, deps.env);
  const defaultMaxTokens = config.defaultMaxTokens ?? 4096;
  // Configured headers may set their own anthropic-version (or anthropic-beta), not the key.
  const fixed: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
  for (const [header, value] of Object.entries(config.headers ?? {})) fixed[header.toLowerCase()] = value;
  if (base.authorization) fixed.authorization = base.authorization;
  fixed['content-type'] = 'application/json';

  const headers = (betas: readonly string[] = []): Record<string, string> => {
    const key = apiKeyFor(name, apiKey);
    const sent: Record<string, string> = key ? { ...fixed, 'x-api-key': key } : { ...fixed };
    const beta = joinBetas(fixed['anthropic-beta'], betas);
    if (beta !== undefined) sent['anthropic-beta'] = beta;
    return sent;
  };

  // Anthropic's own API takes mid-conversation system turns and structured outputs (anthropic-request.ts).
  const endpoint = { defaultMaxTokens, systemMessages: true, structuredOutputs: true };

  return {
    name,
    type: 'anthropic',
    chatOnly: true,
    models: config.models ?? [],
    servesClaude: () => true,

    // Anthropic's own API runs its server tools: a /v1/messages request that has them comes as written.
    servesNative: (api) => api === 'messages',

    chat: async (call) => {
      const send = async (body: Record<string, unknown>, signal: AbortSignal) => {
        const response = await fetchUpstream(deps.fetch, name, url, {
          method: 'POST',
          headers: headers(call.betas),
          body: JSON.stringify(body),
          signal,
        });
        if (!response.ok) {
          const parsed = parseErrorBody(await readErrorText(response));
          throw anthropicError(
            name,
            response.status,
            parsed.type,
            parsed.message,
            retryAfterMs(response.headers),
          );
        }
        return response;
      };
      if (!call.native) return anthropicChat(name, call, endpoint, send);
      if (call.native.api !== 'messages')
        throw new Unsupported(
          `${name} (Anthropic) serves no ${call.native.api} request as written.`,
          'tools',
        );
      return nativeMessages(name, call, call.native.body, send);
    },

    async embeddings() {
      throw invalidRequest(`Provider '${name}' (Anthropic) does not serve embeddings.`, 'model');
    },
  };
}

/**
 * A chat call through any endpoint that speaks the Messages API: Anthropic's here, Vertex AI's in
 * vertex.ts. `send` posts the translated body (which it may adjust) and returns an ok answer, or throws.
 */
export async function anthropicChat(
  name: string,
  { body, model, signal, requestId, thinkingAsSigned }: ChatCall,
  endpoint: Omit<AnthropicRequestOptions, 'userId'>,
  send: (body: Record<string, unknown>, signal: AbortSignal) => Promise<Response>,
): Promise<ChatResult> {
  const user = body.safety_identifier ?? body.user;
  // Anthropic asks for an opaque id here, never a name or an email address: a hash of it.
  const userId = typeof user === 'string' && user ? await sha256Hex(user) : undefined;
  const request = toAnthropicRequest(body, model, { ...endpoint, userId });
  // A max_tokens above the model's limit is refused: once more, at the limit (cap-refusal.ts).
  const response = await sentWithinModelCap(request.body, (sent) => send(sent, signal), messagesWithin);
  const id = `chatcmpl-${requestId}`;
  if (body.stream) {
    const upstream = await streamBody(name, response);
    const writer = new OpenAIStreamWriter(id, model);
    return {
      kind: 'stream',
      body: translateStream(name, upstream, writer, request.jsonTool, thinkingAsSigned === true),
    };
  }
  // A body that fails mid-read is as unreadable as a malformed one.
  const message = parseAnswer(name, await response.text().catch(() => ''), messageSchema);
  return { kind: 'json', body: toCompletion(message, { id, model }, request.jsonTool) };
}
