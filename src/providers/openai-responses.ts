// Chat calls through OpenAI's Responses API (POST …/responses) instead of chat completions: the
// models OpenAI serves only there — the codex models (gpt-5-codex, gpt-5.1-codex-max, codex-mini…),
// the pro models (o1-pro, o3-pro, gpt-5-pro…), deep research and computer use — answer chat
// completions with a 400 "only supported in v1/responses". The request is translated
// (openai-responses-request.ts) and the answer back, JSON (openai-responses-answer.ts) or stream
// (openai-responses-stream.ts), so every gateway endpoint — chat completions, /v1/responses,
// /v1/messages — serves them with the same limits, cache, logs and costs.
//
// Which calls go there: a provider's `responsesApi` (true: all; a list: those models or Azure
// deployments; false: none); unset, the models above when the provider is OpenAI's own API or
// Azure OpenAI (whose deployments are often named after their model), and a call with function
// tools to GPT-5.6 or later, which chat completions serve only at reasoning_effort none.
import * as z from 'zod';
import type { ChatRequest } from '../openai/schemas';
import { toolUses } from '../pricing/tool-uses';
import { cappedCall } from './cap-refusal';
import { responseSchema, toCompletion } from './openai-responses-answer';
import { MIN_OUTPUT_TOKENS, toResponsesRequest } from './openai-responses-request';
import { translateResponsesStream } from './openai-responses-stream';
import { OpenAIStreamWriter } from './openai-stream-writer';
import type { StreamRefusals } from './stream-refusal';
import type { ChatCall, ChatResult } from './types';
import { parseAnswer, streamBody, upstreamErrorFrom } from './upstream-error';

/** The `responsesApi` field of the openai and azure-openai provider configs. */
export const responsesApiSchema = z.union([z.boolean(), z.array(z.string().min(1)).min(1)]).optional();
export type ResponsesApiSetting = z.infer<typeof responsesApiSchema>;

/** OpenAI's models that its chat completions endpoint refuses (dated snapshots included). */
const RESPONSES_ONLY =
  /^(codex-|gpt-daybreak-|gpt-\d+(\.\d+)?-(codex|cyber)|o\d+(-mini)?-deep-research|computer-use-preview|(o\d+|gpt-\d+(\.\d+)?)-pro(-\d{4}-\d{2}-\d{2})?$)/;

export function servedOnlyByResponses(model: string): boolean {
  return RESPONSES_ONLY.test(model);
}

/** A GPT model's generation in hundredths (506 for gpt-5.6-sol, 600 for gpt-6-luna). */
function gptVersion(model: string): number | undefined {
  const found = /^gpt-(\d+)(?:\.(\d+))?(?:-|$)/.exec(model);
  return found ? Number(found[1]) * 100 + Number(found[2] ?? 0) : undefined;
}

/**
 * GPT-5.6 and later refuse function tools on chat completions unless reasoning_effort is none
 * ("Function tools with reasoning_effort are not supported for gpt-5.6-sol in /v1/chat/completions"),
 * and it is medium unless set; GPT-6 Astra, GPT-6.1 Sol and later refuse none, so take tools only
 * there. The Responses API takes tools at every effort.
 */
export function toolsNeedResponses(model: string, body: Pick<ChatRequest, 'tools'>): boolean {
  const version = gptVersion(model);
  if (version === undefined || version < 506 || !body.tools?.length) return false;
  return (body as { reasoning_effort?: unknown }).reasoning_effort !== 'none';
}

/**
 * Whether a chat call for `model` goes to the Responses API under `setting`; `knowsModels`: the
 * provider is OpenAI's or Azure's, where the model name (and for tools, the request) says (unset
 * setting).
 */
export function usesResponses(
  setting: ResponsesApiSetting,
  model: string,
  knowsModels: boolean,
  body: Pick<ChatRequest, 'tools'> = {},
): boolean {
  if (setting === undefined)
    return knowsModels && (servedOnlyByResponses(model) || toolsNeedResponses(model, body));
  return typeof setting === 'boolean' ? setting : setting.includes(model);
}

/**
 * Whether calls for `model` may carry OpenAI's hosted tools (ChatCall.native): on OpenAI's own API
 * and Azure OpenAI (`knowsModels`) unless `responsesApi` is false; on another service only for the
 * models its `responsesApi` sends to a Responses API (true, or a list naming them).
 */
export function runsHostedTools(setting: ResponsesApiSetting, model: string, knowsModels: boolean): boolean {
  if (setting === false) return false;
  return knowsModels || usesResponses(setting, model, false);
}

/**
 * A /v1/responses request with hosted tools (ChatCall.native), sent as the client wrote it with
 * only `model` replaced (and the gateway's caps, when it sets them: `max_output_tokens` here, the
 * route's `max_tool_calls`, pricing/tool-fees.ts boundToolCalls): the answer's JSON comes back as
 * `raw` beside its chat form (the pipeline's usage, cost and log); a stream's events each ride in a
 * chunk of the chat stream (openai-responses-stream.ts). Either's usage carries the hosted tool uses
 * OpenAI bills apart from tokens (pricing/tool-uses.ts). A refusal fails the attempt as it stands:
 * no retry with a lower cap or unstreamed, which would change what the client asked OpenAI for.
 */
export async function hostedResponses(
  name: string,
  call: ChatCall,
  request: Record<string, unknown>,
  post: (body: Record<string, unknown>, signal: AbortSignal) => Promise<Response>,
): Promise<ChatResult> {
  const { body, model, signal, requestId, capSet } = call;
  const sent: Record<string, unknown> = { ...request, model };
  if (capSet && body.max_completion_tokens != null)
    sent.max_output_tokens = Math.max(body.max_completion_tokens, MIN_OUTPUT_TOKENS);
  const response = await post(sent, signal);
  if (!response.ok) throw await upstreamErrorFrom(name, response);
  const id = `chatcmpl-${requestId}`;
  // The tools' own fees: their billed uses ride in the usage (hosted_tools), which costOf charges.
  const uses = (output: readonly Record<string, unknown>[]) => toolUses(request.tools, model, output);
  if (body.stream) {
    const upstream = await streamBody(name, response);
    const writer = new OpenAIStreamWriter(id, model);
    return {
      kind: 'stream',
      body: translateResponsesStream(name, upstream, writer, { carry: true, toolUses: uses }),
    };
  }
  const raw = await response.text().catch(() => '');
  const answer = parseAnswer(name, raw, responseSchema);
  const completion = toCompletion(name, answer, id, model);
  const used = uses(answer.output);
  if (used && completion.usage) completion.usage.hosted_tools = used;
  return { kind: 'json', body: completion, raw };
}

/**
 * One chat call through the Responses API; `post` sends the body and returns the upstream's answer;
 * `refusals`: the adapter's models that refused a stream lately.
 */
export async function responsesChat(
  name: string,
  call: ChatCall,
  post: (body: Record<string, unknown>, signal: AbortSignal) => Promise<Response>,
  refusals: StreamRefusals,
): Promise<ChatResult> {
  const { body, model, signal, requestId, reasoningSummary, thinkingAsSigned } = call;
  const again = (next: ChatCall) => responsesChat(name, next, post, refusals);
  const refused = refusals.unstreamedIfRefused(call, again);
  if (refused) return refused;
  const request = toResponsesRequest(body, model, { provider: name, summary: reasoningSummary });
  const response = await post(request, signal);
  if (!response.ok) {
    const error = await upstreamErrorFrom(name, response);
    // A cap above the model's limit is refused here as in chat completions: once more, at the limit.
    const capped = cappedCall(call, error);
    if (capped) return again(capped);
    return refusals.unstreamedOnRefusal(call, error, again);
  }
  const id = `chatcmpl-${requestId}`;
  if (body.stream) {
    const writer = new OpenAIStreamWriter(id, model);
    const upstream = await streamBody(name, response);
    return {
      kind: 'stream',
      body: translateResponsesStream(name, upstream, writer, { asSigned: thinkingAsSigned === true }),
    };
  }
  // A body that fails mid-read is as unreadable as a malformed one.
  const answer = parseAnswer(name, await response.text().catch(() => ''), responseSchema);
  return { kind: 'json', body: toCompletion(name, answer, id, model) };
}
