// Turns a resolved route into the ordered list of concrete targets to try for one request:
// strategies (fallback, loadbalance, conditional), nested aliases expanded in place, per-key
// provider limits applied, duplicates dropped. Pure: the random source is passed in.
import { ownEntry } from '../config/own-entry';
import type { ResolvedRoute } from '../config/runtime';
import { branchesForTeam, firstMatchingRule, type RouteRequest } from './conditions';
import type { ProviderTarget, RouteConfig, TargetRef } from './config-schema';
import { providerAllowed } from './overrides';

/** What an alias stands for on this route: the key's pin of it, else the config's model. */
export function aliasRoute(
  route: Pick<ResolvedRoute, 'pins'>,
  models: Readonly<Record<string, RouteConfig>>,
  alias: string,
): RouteConfig | undefined {
  return ownEntry(route.pins, alias) ?? ownEntry(models, alias);
}

export function planTargets(
  route: ResolvedRoute,
  models: Readonly<Record<string, RouteConfig>>,
  request: RouteRequest,
  random: () => number,
): ProviderTarget[] {
  const planned: ProviderTarget[] = [];
  const seen = new Set<string>();
  /** Aliases expanded once already: again they would add nothing (their targets are all seen). */
  const expanded = new Set<string>();

  const expand = (node: Pick<RouteConfig, 'strategy' | 'targets' | 'rules'>, visiting: readonly string[]) => {
    const list =
      node.strategy === 'conditional'
        ? (firstMatchingRule(node.rules ?? [], request)?.targets ?? node.targets)
        : node.targets;
    const ordered = node.strategy === 'loadbalance' ? weightedOrder(list, random) : list;
    for (const target of ordered) {
      if (target.alias !== undefined) {
        // Config validation rejects unknown aliases and cycles, and the admin API pins' (pin-check.ts);
        // a config changed since (or a team's pins beside its key's) may still leave one naming
        // nothing or leading back to itself: skipped here, said by unresolved-pin.ts if nothing is left.
        const nested = aliasRoute(route, models, target.alias);
        if (nested && !visiting.includes(target.alias) && !expanded.has(target.alias)) {
          expand(nested, [...visiting, target.alias]);
          expanded.add(target.alias);
        }
        continue;
      }
      const key = targetKey(target);
      if (seen.has(key) || !providerAllowed(route.providers, target.provider)) continue;
      seen.add(key);
      planned.push(target);
    }
  };

  expand(route, [route.requested]);
  return planned;
}

/**
 * Whether some request could be served on this route: a concrete target that the route's provider
 * filter keeps and `usable` accepts, on any branch (every rule of a conditional route and its
 * default), nested aliases and pins followed. For listings, which have no request to plan for.
 */
export function anyTargetReachable(
  route: ResolvedRoute,
  models: Readonly<Record<string, RouteConfig>>,
  usable: (provider: string) => boolean,
  team: string | null = null,
): boolean {
  /** Each alias's answer once: a fan-out of nested aliases is not walked again and again. */
  const known = new Map<string, boolean>();
  /** The target lists a request of this key's team may reach: a team is known when listing. */
  const lists = (node: Pick<RouteConfig, 'targets' | 'rules'>) => {
    const { rules, defaultReachable } = branchesForTeam(node.rules ?? [], team);
    return [...(defaultReachable ? [node.targets] : []), ...rules.map((rule) => rule.targets)];
  };
  const reachable = (node: Pick<RouteConfig, 'targets' | 'rules'>, visiting: readonly string[]): boolean =>
    lists(node).some((list) =>
      list.some((target) => {
        if (target.alias === undefined)
          return providerAllowed(route.providers, target.provider) && usable(target.provider);
        const alias = target.alias;
        const nested = aliasRoute(route, models, alias);
        if (!nested || visiting.includes(alias)) return false;
        let answer = known.get(alias);
        if (answer === undefined) {
          answer = reachable(nested, [...visiting, alias]);
          known.set(alias, answer);
        }
        return answer;
      }),
    );
  return reachable(route, [route.requested]);
}

export function targetKey(target: Pick<ProviderTarget, 'provider' | 'model'>): string {
  return `${target.provider}/${target.model}`;
}

/**
 * A weighted random permutation: the first pick is drawn by weight (default 1), then the next from
 * those left, and so on — so the tail is the fallback order. Weight-0 targets come last, as listed.
 */
export function weightedOrder<T extends Pick<TargetRef, 'weight'>>(
  targets: readonly T[],
  random: () => number,
): T[] {
  if (targets.length < 2) return [...targets];
  const pool = [...targets];
  const ordered: T[] = [];
  while (pool.length > 1) ordered.push(...pool.splice(weightedPick(pool, random), 1));
  ordered.push(...pool);
  return ordered;
}

function weightedPick(pool: readonly Pick<TargetRef, 'weight'>[], random: () => number): number {
  const total = pool.reduce((sum, t) => sum + (t.weight ?? 1), 0);
  if (total <= 0) return 0;
  let pick = random() * total;
  let last = 0;
  for (let index = 0; index < pool.length; index++) {
    const weight = pool[index]!.weight ?? 1;
    if (weight <= 0) continue;
    last = index;
    pick -= weight;
    if (pick < 0) return index;
  }
  return last; // rounding left a sliver: the last positive weight takes it
}
