// What a log row's cost was computed from beyond its input, output and cached tokens: the service
// tier it was charged at, the token classes with rates of their own, and the uses of a provider's
// own tools (OpenAI's hosted tools, Anthropic's web search) with their fees. Only what is not the default is kept, so most rows store null
// (migrations/0006_request_log_usage_detail.sql).
import * as z from 'zod';
import { type BilledTier, pricedTokens } from '../pricing/cost';
import { HOSTED_USE_NAMES, toolFeesUsd } from '../pricing/tool-fees';
import { countedUsage } from '../pricing/usage';
import type { Usage } from '../providers/types';

const tokens = z.number().int().positive().optional();

export const usageDetailSchema = z.object({
  /** Charged at twice the standard rates (priority), three times (OpenAI's ultrafast) or half (flex, where the provider bills it so). */
  serviceTier: z.enum(['priority', 'ultrafast', 'flex']).optional(),
  /** Of inputTokens: cache writes at the cache-write rate (Anthropic's 5-minute ones, Bedrock's). */
  cacheWrite5mTokens: tokens,
  /** Of inputTokens: cache writes for an hour (Anthropic), at that rate. */
  cacheWrite1hTokens: tokens,
  /** Of inputTokens: audio, at the model's audio input rate. */
  audioInputTokens: tokens,
  /** Of outputTokens: audio, at the model's audio output rate. */
  audioOutputTokens: tokens,
  /** Of outputTokens: images, at the model's image output rate. */
  imageOutputTokens: tokens,
  /** Of inputTokens: the prompts of attempts the gateway timed out (the provider had them). */
  timedOutInputTokens: tokens,
  /** Of costUsd: what those prompts cost, each at its own target's price and asked tier. */
  timedOutCostUsd: z.number().nonnegative().optional(),
  /**
   * A provider's own tools' uses billed apart from tokens, by fee (`web_search`, `file_search`,
   * `container_1g`, `anthropic_web_search`, `gpt_image_1_high_1024`…: pricing/tool-fees.ts), and,
   * of costUsd, what those fees cost. `search_content_block` counts the web searches billed a fixed
   * block of input tokens, in costUsd at the model's input rate but not in hostedToolsUsd.
   */
  hostedTools: z.partialRecord(z.enum(HOSTED_USE_NAMES), z.number().int().positive()).optional(),
  hostedToolsUsd: z.number().nonnegative().optional(),
  /** The provider reported no usable usage (or the answer was cut short): the tokens are the gateway's estimate. */
  estimated: z.literal(true).optional(),
});
export type UsageDetail = z.infer<typeof usageDetailSchema>;

/** How a cost was charged, besides the usage: its tier, and the prompts of timed-out attempts. */
export interface Charged {
  tier?: BilledTier | undefined;
  timedOut?: { tokens: number; costUsd: number } | undefined;
  /** The usage is the gateway's estimate. */
  estimated?: boolean | undefined;
}

/** The detail of a charged usage; null when it holds nothing beyond the row's plain token counts. */
export function usageDetailOf(usage: Usage | undefined, charged: Charged): UsageDetail | null {
  const counted = countedUsage(usage);
  const priced = counted ? pricedTokens(counted) : undefined;
  const detail: UsageDetail = {};
  if (charged.tier) detail.serviceTier = charged.tier;
  if (priced?.cacheWrite5m) detail.cacheWrite5mTokens = priced.cacheWrite5m;
  if (priced?.cacheWrite1h) detail.cacheWrite1hTokens = priced.cacheWrite1h;
  if (priced?.audioInput) detail.audioInputTokens = priced.audioInput;
  if (priced?.audioOutput) detail.audioOutputTokens = priced.audioOutput;
  if (priced?.imageOutput) detail.imageOutputTokens = priced.imageOutput;
  if (counted?.hosted_tools) {
    detail.hostedTools = counted.hosted_tools;
    detail.hostedToolsUsd = toolFeesUsd(counted.hosted_tools);
  }
  if (charged.timedOut?.tokens) {
    detail.timedOutInputTokens = charged.timedOut.tokens;
    detail.timedOutCostUsd = Math.max(0, charged.timedOut.costUsd);
  }
  if (charged.estimated) detail.estimated = true;
  return Object.keys(detail).length > 0 ? detail : null;
}

/** The stored JSON back into a detail; a value this code did not write reads as none. */
export function parseUsageDetail(text: string | null): UsageDetail | null {
  if (text === null) return null;
  try {
    const parsed = usageDetailSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
