// A provider's usage report as counts the gateway can charge and log. Reports are the provider's
// JSON, unchecked: a missing or non-numeric count would make a cost and a token bucket NaN — a
// key locked out, a budget that stops counting — so every count is made a non-negative integer.
import type { Usage } from '../providers/types';
import { HOSTED_USE_NAMES, type ToolUses } from './tool-fees';

/**
 * More tokens than any one request uses: ten times the largest context window offered (10M), which
 * leaves room for the usage a provider sums over its own tool loop (a deep research or web search
 * answer is several model calls). A count past it is a provider's bug, never a bill.
 */
const MAX_TOKENS = 1e8;

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? Math.min(MAX_TOKENS, Math.round(value))
    : undefined;

/** The report's top-level counts, each when it is given (not absent or null). */
const TOTALS = ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const;

/**
 * A provider's report as countedUsage reads it, when it is plausible: each of its prompt, completion
 * and total counts that it gives is a whole number of tokens from 0 to MAX_TOKENS. One that is not
 * (negative, fractional, not a number, past any request's size) shows the report cannot be trusted,
 * in its other counts too: undefined, as a report that gives none, so the answer is estimated.
 */
export function plausibleUsage(report: unknown): Usage | undefined {
  if (!report || typeof report !== 'object') return undefined;
  const raw = report as Record<string, unknown>;
  for (const name of TOTALS) {
    const value = raw[name];
    if (value == null) continue;
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_TOKENS) return undefined;
  }
  return countedUsage(report);
}

/**
 * The report with every count usable: one missing is derived from the others (prompt = total −
 * completion, and the reverse) or 0. Undefined when the report has no count at all.
 */
export function countedUsage(report: unknown): Usage | undefined {
  if (!report || typeof report !== 'object') return undefined;
  const raw = report as Record<string, unknown>;
  const total = count(raw.total_tokens);
  let prompt = count(raw.prompt_tokens);
  let completion = count(raw.completion_tokens);
  if (prompt === undefined && completion === undefined && total === undefined) return undefined;
  prompt ??= Math.max(0, (total ?? 0) - (completion ?? 0));
  completion ??= Math.max(0, (total ?? prompt) - prompt);
  // xAI counts reasoning apart from completion_tokens (OpenAI counts it in them): its total is
  // prompt + completion + reasoning. The reasoning the total shows was left out is output too.
  const reasoning = count(detailsOf(raw.completion_tokens_details).reasoning_tokens) ?? 0;
  if (total !== undefined && reasoning > 0)
    completion += Math.min(reasoning, Math.max(0, total - prompt - completion));
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  const details = raw.prompt_tokens_details;
  // DeepSeek reports its cache hits (of prompt_tokens) as prompt_cache_hit_tokens, not cached_tokens.
  const cacheHits = count(raw.prompt_cache_hit_tokens);
  if ((details && typeof details === 'object') || cacheHits !== undefined) {
    const {
      cached_tokens,
      cache_creation_tokens,
      cache_write_tokens,
      cache_creation_1h_tokens,
      audio_tokens,
    } = detailsOf(details);
    // OpenAI names its cache writes (GPT-5.6 and later bill them apart) cache_write_tokens.
    const written = Math.min(prompt, count(cache_creation_tokens) ?? count(cache_write_tokens) ?? 0);
    usage.prompt_tokens_details = {
      cached_tokens: Math.min(prompt, count(cached_tokens) ?? cacheHits ?? 0),
      cache_creation_tokens: written,
    };
    const hour = Math.min(written, count(cache_creation_1h_tokens) ?? 0);
    if (hour > 0) usage.prompt_tokens_details.cache_creation_1h_tokens = hour;
    const audio = Math.min(prompt, count(audio_tokens) ?? 0);
    if (audio > 0) usage.prompt_tokens_details.audio_tokens = audio;
  }
  const completionDetails = detailsOf(raw.completion_tokens_details);
  const audio = Math.min(completion, count(completionDetails.audio_tokens) ?? 0);
  // Images are of the completion's tokens that are not audio: never counted twice.
  const image = Math.min(completion - audio, count(completionDetails.image_tokens) ?? 0);
  if (audio > 0 || image > 0)
    usage.completion_tokens_details = {
      ...(audio > 0 ? { audio_tokens: audio } : {}),
      ...(image > 0 ? { image_tokens: image } : {}),
    };
  const tools = countedTools(raw.hosted_tools);
  if (tools) usage.hosted_tools = tools;
  return usage;
}

/** Hosted tool uses by fee (tool-fees.ts): the known uses' counts above zero; none when no such. */
function countedTools(uses: unknown): ToolUses | undefined {
  if (uses == null) return undefined; // most usage objects: no hosted tools to look for
  const given = detailsOf(uses);
  const counted: ToolUses = {};
  for (const use of HOSTED_USE_NAMES) {
    const n = count(given[use]);
    if (n) counted[use] = n;
  }
  return Object.keys(counted).length > 0 ? counted : undefined;
}

/** A details object's fields; none when it is not an object. */
function detailsOf(details: unknown): Record<string, unknown> {
  return details && typeof details === 'object' ? (details as Record<string, unknown>) : {};
}
