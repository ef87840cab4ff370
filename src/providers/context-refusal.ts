// A provider refuses a prompt that fits the model's context window when the prompt and the output cap
// together do not, where it could clamp the cap. A cap is only a bound, and the model can never write
// past its context: so the call goes again capped at what the window leaves, and answers as it could
// have (cap-refusal.ts sends it). The refusals that name both the prompt's count and the window:
// - OpenAI's chat completions (Azure OpenAI's, DeepSeek's and vLLM's alike): "This model's maximum
//   context length is 128000 tokens. However, you requested 1124171 tokens (124171 in the messages,
//   1000000 in the completion). Please reduce the length of the messages or completion." (400
//   context_length_exceeded, param messages; DeepSeek's code invalid_request_error, no param).
// - Anthropic, its own API and Vertex AI's Claude: "input length and `max_tokens` exceed context limit:
//   188240 + 21333 > 200000, decrease input length or `max_tokens` and try again" (400
//   invalid_request_error; some answers without the backticks); Bedrock's Claude in the same words, a
//   ValidationException ("The model returned the following errors: input length and …").
// Others count no prompt apart (Groq: "Please reduce the length of the messages or completion.";
// Cerebras: "Current length is 42328 while limit is 40000"; xAI counts the prompt alone, which no cap
// helps; OpenAI's Responses API: "Your input exceeds the context window of this model."): those stand,
// as does one whose prompt alone fills the window, and routing moves them to a larger window.
import type { UpstreamError } from './types';

/** The words, with where each names the window, the prompt's count and the cap it counted. */
const OVERFLOW_WORDS: readonly [RegExp, { context: number; prompt: number; asked: number }][] = [
  [
    /maximum context length is (\d+) tokens\. However, you requested \d+ tokens \((\d+) in the messages, (\d+) in the completion\)/i,
    { context: 1, prompt: 2, asked: 3 },
  ],
  [
    /input length and `?max_tokens`? exceed context limit: (\d+) \+ (\d+) > (\d+)/i,
    { context: 3, prompt: 1, asked: 2 },
  ],
];

/**
 * Below this room an answer is all but certain to be cut short, and a target with a larger window
 * (routing's context_length_exceeded failover) serves the request better: at least this many tokens,
 * or half the cap asked when that is less.
 */
const MIN_CONTEXT_ROOM = 1024;

/**
 * The output cap the window leaves beside the prompt, when `error` refuses a prompt that fits only
 * for the cap asked beside it and that room is worth an answer; undefined otherwise.
 */
export function contextRoomFrom(error: UpstreamError): number | undefined {
  if (error.failure !== 'caller') return undefined;
  for (const [words, at] of OVERFLOW_WORDS) {
    const match = words.exec(error.message);
    if (!match) continue;
    const room = Number(match[at.context]) - Number(match[at.prompt]);
    const asked = Number(match[at.asked]);
    // The cap it counted overflowed only when the room is less: otherwise no cap's fault.
    if (!Number.isSafeInteger(room) || !Number.isSafeInteger(asked) || asked <= room) return undefined;
    return room >= Math.min(MIN_CONTEXT_ROOM, Math.ceil(asked / 2)) ? room : undefined;
  }
  return undefined;
}
