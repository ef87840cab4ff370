// OpenAI refuses an output cap above the model's own limit — "max_tokens is too large: 32000. This
// model supports at most 16384 completion tokens, whereas you provided 32000." (400, param
// max_tokens or max_completion_tokens), and DeepSeek too ("Invalid max_tokens value, the valid
// range of max_tokens is [1, 8192]", no param) — where other providers clamp it. A cap is only a
// bound: the model could never write more than its limit, so the call goes again capped at that
// limit and answers exactly as it could have. (Claude Code asks 32,000 of every model; gpt-4o's limit is
// 16,384.) The Responses API (openai-responses.ts) names its own field, max_output_tokens, in the same
// words ("… supports at most 16384 output tokens …") or in its range check's ("Invalid
// 'max_output_tokens': integer above maximum value. Expected a value <= 128000, but got 200000 instead.").
import type { ChatCall, UpstreamError } from './types';

/** The words that name the limit: OpenAI's (chat completions, Responses), DeepSeek's. */
const LIMIT_WORDS = [
  /supports at most (\d+) (?:completion|output) tokens/i,
  /Invalid 'max_(?:output_|completion_)?tokens': integer above maximum value\. Expected a value <= (\d+)/i,
  /valid range of max_tokens is \[1,\s*(\d+)\]/i,
];
const CAP_PARAMS = new Set<string | null | undefined>([
  null,
  undefined,
  'max_tokens',
  'max_completion_tokens',
  'max_output_tokens',
]);

/** The model's own output limit a refusal names, when the refusal is of the request's cap. */
export function modelCapFrom(error: UpstreamError): number | undefined {
  if (error.failure !== 'caller' || !CAP_PARAMS.has(error.options.param)) return undefined;
  for (const words of LIMIT_WORDS) {
    const limit = Number(words.exec(error.message)?.[1]);
    if (Number.isSafeInteger(limit) && limit > 0) return limit;
  }
  return undefined;
}

/**
 * The call again with its cap lowered to the limit `error` names, when `error` refuses a cap above
 * the model's limit; undefined otherwise (once: a cap within the limit it still refused is its answer).
 */
export function cappedCall(call: ChatCall, error: UpstreamError): ChatCall | undefined {
  const limit = modelCapFrom(error);
  if (limit === undefined) return undefined;
  // Either field: the adapter may send the client's max_completion_tokens as max_tokens.
  const body = { ...call.body };
  let lowered = false;
  for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
    const asked = body[field];
    if (asked != null && asked > limit) {
      body[field] = limit;
      lowered = true;
    }
  }
  return lowered ? { ...call, body } : undefined;
}
