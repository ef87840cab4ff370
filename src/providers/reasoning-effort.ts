// OpenAI's `reasoning_effort` as the native reasoning control of the providers that have one:
// Claude's `thinking` (Anthropic's API and Bedrock's Claude models: claude-thinking.ts), Gemini's
// thinkingConfig (gemini-thinking.ts), Cohere's `thinking` (Command A Reasoning: cohere-thinking.ts),
// Amazon Nova 2's reasoningConfig and OpenAI's models on Bedrock (bedrock-reasoning.ts), and the
// `reasoning_effort` input of Workers AI's gpt-oss models (workers-ai-effort.ts); here the values
// and the budgets they buy, which all of them share.
// Each adapter translates it, before anything else reads the request, into the native field
// that a client could have sent itself — so the reservation (limits/estimate.ts) and Anthropic's
// default max_tokens growth see the budget as they see a native one. A native field the client
// sent wins: the effort is then left out, as the more general of the two asks.
import { Unsupported } from './types';

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';
/** OpenAI's values: `max` came with GPT-5.6 (above xhigh); elsewhere it is the most the model takes. */
const EFFORTS: ReadonlySet<string> = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']);

/**
 * Thinking tokens an effort buys where the control is a budget: Google's own mapping of
 * reasoning_effort to Gemini 2.5's thinking_budget (its OpenAI-compatibility page), taken for
 * Claude's budget_tokens too — Anthropic publishes none, and 1,024 is its smallest budget. xhigh and
 * max are high's: 24,576 plus a default answer stays within every thinking Claude model's output limit.
 */
export const EFFORT_BUDGET: Readonly<Record<Exclude<ReasoningEffort, 'none'>, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24_576,
  xhigh: 24_576,
  max: 24_576,
};

/** The request's reasoning_effort; undefined when unset; a value OpenAI does not define is refused. */
export function reasoningEffort(request: object, provider: string): ReasoningEffort | undefined {
  const effort = (request as { reasoning_effort?: unknown }).reasoning_effort;
  if (effort == null) return undefined;
  if (typeof effort === 'string' && EFFORTS.has(effort)) return effort as ReasoningEffort;
  throw new Unsupported(
    `${provider} models take reasoning_effort none, minimal, low, medium, high, xhigh or max, not ${JSON.stringify(effort)}.`,
    'reasoning_effort',
  );
}

/**
 * The thinking budget a request's reasoning_effort may buy on any provider (estimate.ts reserves
 * it); undefined for none, unset or a value no adapter takes. Never throws.
 */
export function effortBudget(request: object): number | undefined {
  const effort = (request as { reasoning_effort?: unknown }).reasoning_effort;
  return typeof effort === 'string' && effort !== 'none' && EFFORTS.has(effort)
    ? EFFORT_BUDGET[effort as Exclude<ReasoningEffort, 'none'>]
    : undefined;
}

/** The OpenAI fields a mapping reads beside the effort. */
export type Sampling = {
  reasoning_effort?: unknown;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
};

/** The low/medium/high scale Nova 2's maxReasoningEffort and gpt-oss take: low is their least. */
export const THREE_LEVELS: Record<Exclude<ReasoningEffort, 'none'>, string> = {
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
  max: 'high',
};

/** gpt-oss's effort (Workers AI, Bedrock): it always reasons, so `none` is its least, low. */
export const gptOssEffort = (effort: ReasoningEffort) => (effort === 'none' ? 'low' : THREE_LEVELS[effort]);
