// A provider refuses an output cap above the model's own limit, where others clamp it (Cohere, by
// its documentation). A cap is only a bound: the model could never write more than its limit, so the
// call goes again capped at the limit the refusal names and answers exactly as it could have. (Claude
// Code asks 32,000 of every model; gpt-4o's limit is 16,384, Claude 3.5 Haiku's 8,192.) The words:
// - OpenAI: "max_tokens is too large: 32000. This model supports at most 16384 completion tokens,
//   whereas you provided 32000." (400, param max_tokens or max_completion_tokens); its Responses API
//   names max_output_tokens in the same words ("… supports at most 16384 output tokens …") or in its
//   range check's ("Invalid 'max_output_tokens': integer above maximum value. Expected a value <=
//   128000, but got 200000 instead.").
// - DeepSeek: "Invalid max_tokens value, the valid range of max_tokens is [1, 8192]" (no param).
// - Anthropic, its own API and Vertex AI's Claude: "max_tokens: 100000 > 64000, which is the maximum
//   allowed number of output tokens for claude-sonnet-4-20250514" (400 invalid_request_error).
// - Bedrock (Converse and InvokeModel): "The maximum tokens you requested exceeds the model limit of
//   4096. Try again with a maximum tokens value that is lower than 4096." (ValidationException; the
//   limit itself is taken), also "… exceed the model limit of 4096 …".
// - Gemini on Vertex AI: "Unable to submit request because it has a maxOutputTokens value of 131072 but
//   the supported range is from 1 (inclusive) to 65537 (exclusive)." (400 INVALID_ARGUMENT).
// Each adapter lowers the cap in its own body; a Claude body's thinking budget with it (claude-cap.ts).
// A prompt that fits the context window but not beside the cap is refused likewise (context-refusal.ts),
// and lowered the same way. Either way, once: one more call per attempt at most, whatever it answers.
import { contextRoomFrom } from './context-refusal';
import { type ChatCall, UpstreamError } from './types';

/** The words that name the limit, each with what makes the number it names the limit. */
const LIMIT_WORDS: readonly [RegExp, (named: number) => number][] = [
  [/supports at most (\d+) (?:completion|output) tokens/i, (n) => n],
  [
    /Invalid 'max_(?:output_|completion_)?tokens': integer above maximum value\. Expected a value <= (\d+)/i,
    (n) => n,
  ],
  [/valid range of max_tokens is \[1,\s*(\d+)\]/i, (n) => n],
  [/max_tokens: \d+ > (\d+), which is the maximum allowed number of output tokens/i, (n) => n],
  [/maximum tokens you requested exceeds? the model limit of (\d+)/i, (n) => n],
  [
    /maxOutputTokens value of \d+ but the supported range is from 1 \(inclusive\)\s*to (\d+) \(exclusive\)/i,
    (n) => n - 1,
  ],
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
  for (const [words, limitOf] of LIMIT_WORDS) {
    const named = words.exec(error.message)?.[1];
    const limit = named === undefined ? Number.NaN : limitOf(Number(named));
    if (Number.isSafeInteger(limit) && limit > 0) return limit;
  }
  return undefined;
}

/**
 * The cap `error` leaves a call: the model's own output limit, or what its context window leaves
 * beside the prompt; undefined when it refuses something else.
 */
export function capLimitFrom(error: UpstreamError): number | undefined {
  return modelCapFrom(error) ?? contextRoomFrom(error);
}

/**
 * The call again with its cap lowered to the limit `error` names, when `error` refuses a cap above
 * the model's limit or beyond its context window; undefined otherwise, and for a call lowered already
 * (a cap within the limit it still refused, or another refusal of the lowered call, is its answer).
 */
export function cappedCall(call: ChatCall, error: UpstreamError): ChatCall | undefined {
  const limit = call.capLowered ? undefined : capLimitFrom(error);
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
  return lowered ? { ...call, body, capLowered: true } : undefined;
}

/**
 * `send(body)`; when that is refused for a cap above the model's limit or beyond its context window,
 * once more with the body `within` makes of it for that limit (undefined: nothing to lower, or it
 * cannot be lowered, and the refusal stands).
 */
export async function sentWithinModelCap<B>(
  body: B,
  send: (body: B) => Promise<Response>,
  within: (body: B, limit: number) => B | undefined,
): Promise<Response> {
  try {
    return await send(body);
  } catch (error) {
    const limit = error instanceof UpstreamError ? capLimitFrom(error) : undefined;
    const lowered = limit === undefined ? undefined : within(body, limit);
    if (lowered === undefined) throw error;
    return send(lowered);
  }
}
