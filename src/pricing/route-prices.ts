// Every concrete target a route may end up on (aliases expanded, all rules), for worst-case pricing.
import type { ResolvedRoute, Runtime } from '../config/runtime';
import type { TargetRef } from '../routing/config-schema';
import { aliasRoute } from '../routing/strategies';
import { priceOf } from './cost';
import type { Price } from './prices';

export function routePrices(runtime: Runtime, route: ResolvedRoute): Price[] {
  const { config } = runtime;
  const prices: Price[] = [];
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
      const type = runtime.provider(target.provider)?.type ?? 'unknown';
      prices.push(priceOf(target, type, config.pricing));
    }
  };
  walk(route.targets);
  for (const rule of route.rules ?? []) walk(rule.targets);
  return prices;
}
