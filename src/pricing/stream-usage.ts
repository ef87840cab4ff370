// What a streamed answer is charged: its provider's usage report, or the gateway's estimate where it
// gave none that is plausible (usage.ts) or broke off before giving it.
import { tokensOfChars } from '../limits/estimate';
import type { Usage } from '../providers/types';
import { countedUsage, plausibleUsage } from './usage';

/** What a stream said that its charge is drawn from (StreamSummary has it all). */
export interface StreamTally {
  /** The usage the stream reported, as the provider wrote it. */
  usage?: unknown;
  /** The prompt's usage as the answer started (StreamSummary.promptUsage: Anthropic's message_start). */
  promptUsage?: Record<string, unknown> | undefined;
  /** Every choice finished (StreamSummary.completed). */
  completed: boolean;
  events: number;
  answerChars: number;
}

export interface StreamCharge {
  used: Usage;
  /** `used` is (partly) the gateway's estimate, as the log row says. */
  estimated: boolean;
  /** Its prompt_tokens are the provider's count. */
  promptReported: boolean;
}

/**
 * `inputTokens`: the gateway's estimate of the prompt; `withinCap`: an output estimate held to the
 * request's cap, when it has one. Without a report (the client left, the gateway ended the stream,
 * the provider sent none) the answer is charged the input estimate plus what was relayed — its text
 * by the ~4 characters a token estimate, and at least a token per event — or, when the provider
 * counted the prompt as it started (Anthropic's message_start), that count: its cache reads and
 * writes at their prices, and the tokens of Anthropic's own tools' system prompts, which the
 * estimate knows nothing of.
 */
export function streamCharge(
  tally: StreamTally,
  inputTokens: number,
  withinCap: (tokens: number) => number,
): StreamCharge {
  const relayed = withinCap(Math.max(tally.events, tokensOfChars(tally.answerChars)));
  const counted = plausibleUsage(tally.usage);
  const started = tally.promptUsage && countedUsage({ ...tally.promptUsage, completion_tokens: 0 });
  const reported = counted ?? started;
  if (!reported) return { used: usageOf(inputTokens, relayed), estimated: true, promptReported: false };
  // One cut short may still carry what its provider had counted when it broke off (Anthropic's
  // message_start: the prompt, and one output token): it wrote at least what was relayed.
  const undercounted = (!tally.completed || !counted) && relayed > reported.completion_tokens;
  if (!undercounted) return { used: reported, estimated: false, promptReported: true };
  return {
    used: { ...reported, completion_tokens: relayed, total_tokens: reported.prompt_tokens + relayed },
    estimated: true,
    promptReported: true,
  };
}

/** A usage of the gateway's own making: an estimate, or what was seen before an answer was cut short. */
export function usageOf(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
