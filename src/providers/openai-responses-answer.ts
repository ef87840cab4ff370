// An answer of OpenAI's Responses API as a chat completion (openai-responses.ts): message items'
// output_text → content (url_citation annotations kept), refusal → refusal, function_call and
// custom_tool_call items → tool_calls, reasoning summaries (or reasoning text) → reasoning_content
// and encrypted reasoning → thinking_blocks (`openai_reasoning`, sent back by the next request);
// status incomplete → finish_reason length (max_output_tokens) or content_filter, failed → a failed
// attempt; usage input/output tokens → prompt/completion tokens with their cached and reasoning
// details; service_tier kept (flex is billed at half: pricing/cost.ts).
import * as z from 'zod';
import type { FinishReason } from './openai-stream-writer';
import type { OpenAIReasoningBlock } from './thinking';
import { type ChatCompletion, failureForStatus, UpstreamError, type Usage } from './types';
import { withoutOrganization } from './upstream-error';

const usageSchema = z.looseObject({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  input_tokens_details: z
    .looseObject({
      cached_tokens: z.number().int().nonnegative().nullish(),
      cache_write_tokens: z.number().int().nonnegative().nullish(),
    })
    .nullish(),
  output_tokens_details: z
    .looseObject({ reasoning_tokens: z.number().int().nonnegative().nullish() })
    .nullish(),
});
export type ResponsesUsage = z.infer<typeof usageSchema>;

const textList = z.array(z.looseObject({ type: z.string(), text: z.string().optional() })).nullish();

export const outputItemSchema = z.looseObject({
  type: z.string(),
  id: z.string().nullish(),
  // message
  content: z
    .array(
      z.looseObject({
        type: z.string(),
        text: z.string().optional(),
        refusal: z.string().optional(),
        annotations: z.array(z.looseObject({ type: z.string() })).nullish(),
      }),
    )
    .nullish(),
  // function_call, custom_tool_call
  call_id: z.string().optional(),
  name: z.string().optional(),
  arguments: z.string().optional(),
  input: z.string().optional(),
  // reasoning
  summary: textList,
  encrypted_content: z.string().nullish(),
});
export type OutputItem = z.infer<typeof outputItemSchema>;

const errorSchema = z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }).nullish();

export const responseSchema = z.looseObject({
  object: z.literal('response').optional(),
  status: z.string().nullish(),
  created_at: z.number().optional(),
  model: z.string().optional(),
  output: z.array(outputItemSchema),
  usage: usageSchema.nullish(),
  incomplete_details: z.looseObject({ reason: z.string().nullish() }).nullish(),
  error: errorSchema,
  service_tier: z.string().nullish(),
});
export type ResponsesAnswer = z.infer<typeof responseSchema>;

export function toCompletion(
  provider: string,
  response: ResponsesAnswer,
  id: string,
  model: string,
): ChatCompletion {
  if (response.status === 'failed') throw failedResponse(provider, response.error);
  const content: string[] = [];
  const refusals: string[] = [];
  const reasoning: string[] = [];
  const annotations: unknown[] = [];
  const toolCalls: Record<string, unknown>[] = [];
  const encrypted: OpenAIReasoningBlock[] = [];
  /** The length of the content so far: a part's annotations index into its own text. */
  let written = 0;
  for (const item of response.output) {
    if (item.type === 'message') {
      for (const part of item.content ?? []) {
        if (part.type === 'output_text') {
          for (const annotation of part.annotations ?? [])
            annotations.push(chatAnnotation(annotation, written));
          content.push(part.text ?? '');
          written += (part.text ?? '').length;
        } else if (part.type === 'refusal') refusals.push(part.refusal ?? '');
      }
    } else if (item.type === 'function_call') {
      toolCalls.push({
        id: item.call_id ?? item.id,
        type: 'function',
        function: { name: item.name ?? '', arguments: item.arguments || '{}' },
      });
    } else if (item.type === 'custom_tool_call') {
      toolCalls.push({
        id: item.call_id ?? item.id,
        type: 'custom',
        custom: { name: item.name ?? '', input: item.input ?? '' },
      });
    } else if (item.type === 'reasoning') {
      const text = reasoningText(item);
      if (text) reasoning.push(text);
      const block = encryptedReasoning(item, provider);
      if (block) encrypted.push(block);
    }
  }
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: content.length > 0 ? content.join('') : null,
    refusal: refusals.length > 0 ? refusals.join('') : null,
  };
  if (reasoning.length > 0) message.reasoning_content = reasoning.join('\n\n');
  if (encrypted.length > 0) message.thinking_blocks = encrypted;
  if (annotations.length > 0) message.annotations = annotations;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const completion: ChatCompletion = {
    id,
    object: 'chat.completion',
    created: response.created_at ?? Math.floor(Date.now() / 1000),
    model: response.model ?? model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: finishReason(response, toolCalls.length > 0),
      },
    ],
  };
  if (response.usage) completion.usage = toUsage(response.usage);
  if (response.service_tier) completion.service_tier = response.service_tier;
  return completion;
}

/** A reasoning item's summary, or (open-weight models) its reasoning text, paragraphs apart. */
export function reasoningText(item: OutputItem): string {
  const summary = (item.summary ?? []).map((part) => part.text ?? '').filter(Boolean);
  if (summary.length > 0) return summary.join('\n\n');
  const content = (item.content ?? []).filter((part) => part.type === 'reasoning_text');
  return content.map((part) => part.text ?? '').join('');
}

/**
 * A reasoning item's encrypted content, to be sent back to `provider` (asked for with `include`:
 * store false).
 */
export function encryptedReasoning(item: OutputItem, provider: string): OpenAIReasoningBlock | undefined {
  if (!item.encrypted_content || !item.id) return undefined;
  return { type: 'openai_reasoning', id: item.id, encrypted_content: item.encrypted_content, provider };
}

/** A Responses annotation (`{type, url, title, start_index, end_index}`) as chat nests it. */
export function chatAnnotation(annotation: Record<string, unknown>, offset: number): unknown {
  if (annotation.type !== 'url_citation') return annotation;
  const { type: _, start_index, end_index, ...rest } = annotation;
  const shift = (index: unknown) => (typeof index === 'number' ? index + offset : index);
  return {
    type: 'url_citation',
    url_citation: { ...rest, start_index: shift(start_index), end_index: shift(end_index) },
  };
}

export function finishReason(
  response: Pick<ResponsesAnswer, 'status' | 'incomplete_details'>,
  called: boolean,
): FinishReason {
  if (response.status === 'incomplete') {
    return response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
  }
  return called ? 'tool_calls' : 'stop';
}

export function toUsage(usage: ResponsesUsage): Usage {
  const result: Usage = {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.input_tokens + usage.output_tokens,
  };
  const cached = usage.input_tokens_details?.cached_tokens;
  const written = usage.input_tokens_details?.cache_write_tokens;
  if (cached || written) {
    result.prompt_tokens_details = {
      ...(cached ? { cached_tokens: cached } : {}),
      ...(written ? { cache_write_tokens: written } : {}),
    };
  }
  const reasoning = usage.output_tokens_details?.reasoning_tokens;
  if (reasoning) result.completion_tokens_details = { reasoning_tokens: reasoning };
  return result;
}

/** Error codes of a failed response that are the request's fault, not the provider's. */
const CALLER_CODES = /^(invalid_|image_|empty_image|unsupported_|failed_to_download_image)/;

/** What a failed response or an error event says went wrong (`type`: an error event's, nested). */
export interface ResponsesFailure {
  code?: string | null;
  message?: string | null;
  type?: string | null;
}

/** A failed response (status failed, or a stream's `error` event) as the attempt's failure. */
export function failedResponse(provider: string, error: ResponsesFailure | null | undefined): UpstreamError {
  const code = error?.code ?? null;
  // The request's own faults carry the provider's words, as upstreamErrorFrom passes a 400's on; the
  // provider's failures say only who failed (upstream internals never reach the client).
  const words = withoutOrganization(error?.message || `${provider} rejected the request.`);
  const generic = `${provider} failed to answer${code ? ` (${code})` : ''}.`;
  if (code === 'rate_limit_exceeded' || code === 'too_many_requests')
    return new UpstreamError('rate_limit', 429, generic, { code: 'rate_limit_exceeded' });
  // An exhausted quota is the operator's account, as upstreamErrorFrom takes it: the next target.
  if (code === 'insufficient_quota') return new UpstreamError('auth', 429, generic, { code });
  if (code === 'context_length_exceeded')
    return new UpstreamError('caller', 400, words, { code, param: 'messages' });
  // An error event without a code may still say whose fault it is by its type: another target
  // would refuse the same request, so it is the client's 400, not a failover.
  if ((code && CALLER_CODES.test(code)) || (!code && error?.type === 'invalid_request_error'))
    return new UpstreamError('caller', 400, words, { code });
  return new UpstreamError(failureForStatus(500), 500, generic, { code });
}
