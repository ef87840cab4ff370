// Every concrete target a route may end up on (aliases expanded, all rules), for worst-case pricing.
import type { ResolvedRoute, Runtime } from '../config/runtime';
import type { Usage } from '../providers/types';
import type { TargetRef } from '../routing/config-schema';
import type { Attempt } from '../routing/failures';
import { applyRoutingOverride, type RoutingOverride } from '../routing/overrides';
import { aliasRoute } from '../routing/strategies';
import {
  type AudioUse,
  type BilledTier,
  billedTier,
  costOf,
  listPriceOf,
  NO_AUDIO,
  priceOf,
  worstCaseCost,
} from './cost';
import { estimatedOutput } from './estimated-output';
import type { ListPrice } from './prices';
import { billsSearchContentBlock, SEARCH_CONTENT_BLOCK_TOKENS } from './tool-fees';

/** A request's worst case on a route, and what of it its tools' fees are. */
export interface WorstCase {
  costUsd: number;
  /**
   * Of costUsd, the hosted tools' fees and the search content blocks their web searches may be
   * billed (input tokens, but charged per search): what a budget refusal names as the tools' fees.
   */
  toolFeesUsd: number;
}

/**
 * A request's worst case on `route` (`costUsd`), and, for admit's `costFor`, on the route as a key's
 * or team's routing override leaves it: pins can send an alias to dearer targets. `feesUsd`: the most
 * its hosted tools' own fees can add (worstToolFees), the same on any target; `searchBlocks`: its
 * web searches that a target whose model bills a search content block would charge one each, as
 * input at that target's rates (worstSearchContentBlocks). Both are the tools' fees of each worst
 * case (`toolFeesUsd`), so that a budget refusal's figures add up to what was reserved.
 */
export function worstCases(
  runtime: Runtime,
  route: ResolvedRoute,
  inputTokens: number,
  maxOutputTokens: number,
  audio: AudioUse = NO_AUDIO,
  tier?: unknown,
  feesUsd = 0,
  searchBlocks = 0,
) {
  const blocks = (r: ResolvedRoute) =>
    searchBlocks > 0
      ? worstCaseCost(
          searchBlocks * SEARCH_CONTENT_BLOCK_TOKENS,
          0,
          routePrices(runtime, r, billsSearchContentBlock),
          NO_AUDIO,
          tier,
        )
      : 0;
  const on = (r: ResolvedRoute): WorstCase => {
    const toolFeesUsd = feesUsd + blocks(r);
    const tokens = worstCaseCost(inputTokens, maxOutputTokens, routePrices(runtime, r), audio, tier);
    return { costUsd: tokens + toolFeesUsd, toolFeesUsd };
  };
  const { costUsd, toolFeesUsd } = on(route);
  return {
    costUsd,
    toolFeesUsd,
    costFor: (routing: RoutingOverride | undefined): WorstCase =>
      routing?.pin ? on(applyRoutingOverride(route, routing)) : { costUsd: 0, toolFeesUsd: 0 },
  };
}

/**
 * What `usage` cost at `target` (its provider's prices, or the config's): `tier` is the service
 * tier the answer was served on, billed as that provider bills it (tierFactor).
 */
export function targetCost(
  runtime: Runtime,
  target: { provider: string; model: string },
  usage: Usage | undefined,
  tier?: unknown,
): number {
  return costOf(usage, targetPrice(runtime, target), tier, runtime.provider(target.provider)?.halfPriceFlex);
}

/** `target`'s price: its provider's list price, or the config's. */
export function targetPrice(runtime: Runtime, target: { provider: string; model: string }) {
  const provider = runtime.provider(target.provider);
  return priceOf(target, provider?.type ?? '', runtime.config.pricing, provider?.regional);
}

/** `usage`, the gateway's estimate, as `target` charges it: at its dearest output rate (estimatedOutput). */
export function estimatedCharge(
  runtime: Runtime,
  target: { provider: string; model: string },
  usage: Usage,
): Usage {
  return estimatedOutput(usage, targetPrice(runtime, target));
}

/** The tier `targetCost` charges `tier` at on `target`, when not the standard rates (billedTier). */
export function targetTier(
  runtime: Runtime,
  target: { provider: string },
  tier: unknown,
): BilledTier | undefined {
  return billedTier(tier, runtime.provider(target.provider)?.halfPriceFlex);
}

/**
 * The prompts of the attempts the gateway timed out (no answer, no status): the provider had each,
 * and may bill it, as when a client leaves. Their tokens (for the log row, beside the answer's) and
 * their cost; `tier`: what each was asked for.
 */
export function timedOutPrompts(
  runtime: Runtime,
  attempts: readonly Attempt[],
  promptTokens: number,
  tier?: (attempt: Attempt) => unknown,
): { tokens: number; costUsd: number } {
  let tokens = 0;
  let costUsd = 0;
  for (const attempt of attempts) {
    if (attempt.failure !== 'timeout' || attempt.status !== 0) continue;
    const prompt = { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens };
    tokens += promptTokens;
    costUsd += targetCost(runtime, attempt, prompt, tier?.(attempt));
  }
  return { tokens, costUsd };
}

/** The prices of every target `route` can reach; `only`: of those whose model it accepts. */
export function routePrices(
  runtime: Runtime,
  route: ResolvedRoute,
  only?: (model: string) => boolean,
): ListPrice[] {
  const { config } = runtime;
  const prices: ListPrice[] = [];
  const seen = new Set<string>();
  const walk = (targets: readonly TargetRef[]) => {
    for (const target of targets) {
      if (target.alias !== undefined) {
        if (seen.has(`alias:${target.alias}`)) continue;
        seen.add(`alias:${target.alias}`);
        // A key's pin of a nested alias first, as the router follows it.
        const nested = aliasRoute(route, config.models, target.alias);
        if (nested) {
          walk(nested.targets);
          for (const rule of nested.rules ?? []) walk(rule.targets);
        }
        continue;
      }
      if (only && !only(target.model)) continue;
      const provider = runtime.provider(target.provider);
      prices.push(listPriceOf(target, provider?.type ?? 'unknown', config.pricing, provider?.regional));
    }
  };
  walk(route.targets);
  for (const rule of route.rules ?? []) walk(rule.targets);
  return prices;
}
