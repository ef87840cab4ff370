// The one walk of a route through its pins and nested aliases that both pin checks share: at write
// time every branch (pin-check.ts), at request time the branch the request takes (unresolved-pin.ts).
// It expands aliases as planTargets does (strategies.ts): each once, never back into one it is in.
import { ownEntry } from '../config/own-entry';
import type { RouteConfig, TargetRef } from './config-schema';

export type RouteNode = Pick<RouteConfig, 'strategy' | 'targets' | 'rules'>;

/** Where a target is listed: the alias whose pin lists it (undefined: a config route), rule, index. */
export interface TargetSite {
  pinned: string | undefined;
  rule: number | undefined;
  index: number;
}

export interface PinWalk {
  /** What an alias stands for, and whether that is a pin (else the config's route). */
  routeOf(alias: string): { route: RouteNode; pinned: boolean } | undefined;
  /** The target lists of `node` to follow, each with its rule's index (undefined: the default targets). */
  lists(node: RouteNode): { rule: number | undefined; targets: readonly TargetRef[] }[];
  provider(name: string, site: TargetSite): void;
  missingAlias(alias: string, site: TargetSite): void;
  /**
   * A target naming an alias the walk is inside: `cycle` runs from that alias back to it, and
   * `sites[i]` is where `cycle[i + 1]` is named.
   */
  loop(cycle: readonly string[], sites: readonly TargetSite[]): void;
}

/**
 * What an alias stands for beside `pins` (a `PinWalk.routeOf`): its pin, else the config's route —
 * as a request resolves it (overrides.ts). Own entries only: `constructor` is no alias.
 */
export function throughPins(
  pins: Readonly<Record<string, RouteConfig>>,
  models: Readonly<Record<string, RouteConfig>>,
): PinWalk['routeOf'] {
  return (alias) => {
    const pinned = ownEntry(pins, alias);
    if (pinned) return { route: pinned, pinned: true };
    const configured = ownEntry(models, alias);
    return configured && { route: configured, pinned: false };
  };
}

/** Every target list of a node: its targets, then each rule's (a write-time check's `lists`). */
export function everyList(node: RouteNode): ReturnType<PinWalk['lists']> {
  return [
    { rule: undefined, targets: node.targets },
    ...(node.rules ?? []).map((rule, index) => ({ rule: index, targets: rule.targets })),
  ];
}

/** Walks `node`, the route `start` stands for (`pinned`: its pin), depth first. */
export function walkPins(start: string, node: RouteNode, pinned: boolean, walk: PinWalk): void {
  const expanded = new Set<string>();
  /** The aliases the walk is inside, and where each after the first was named. */
  const aliases = [start];
  const sites: TargetSite[] = [];

  const visit = (current: RouteNode, owner: string | undefined) => {
    for (const { rule, targets } of walk.lists(current))
      for (const [index, target] of targets.entries()) {
        const site: TargetSite = { pinned: owner, rule, index };
        if (target.alias === undefined) {
          walk.provider(target.provider, site);
          continue;
        }
        const back = aliases.indexOf(target.alias);
        if (back >= 0) {
          walk.loop([...aliases.slice(back), target.alias], [...sites.slice(back), site]);
          continue;
        }
        const nested = walk.routeOf(target.alias);
        if (!nested) walk.missingAlias(target.alias, site);
        else if (!expanded.has(target.alias)) {
          aliases.push(target.alias);
          sites.push(site);
          visit(nested.route, nested.pinned ? target.alias : undefined);
          aliases.pop();
          sites.pop();
          expanded.add(target.alias);
        }
      }
  };

  visit(node, pinned ? start : undefined);
}
