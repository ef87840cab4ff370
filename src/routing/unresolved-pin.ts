// Why a pinned route has no target to try, though the admin API refuses such a pin and a config
// that would leave one so (pin-check.ts, keys/pins-in-use.ts): a config edited in KV by hand, or a
// pin stored before those checks, still can. The pin names a provider or alias the config no
// longer has, or leads back to itself. Said as such, not as the key's allowlist refusing the
// model; and never answered from the config's own route instead, as the pin is the admin's choice.
import { ownEntry } from '../config/own-entry';
import type { ResolvedRoute } from '../config/runtime';
import { GatewayError } from '../errors';
import { matchingRuleIndex, type RouteRequest } from './conditions';
import type { RouteConfig } from './config-schema';
import { type TargetSite, throughPins, walkPins } from './pin-walk';

/**
 * The error for a route that planned no target because of its pins, or undefined when some target
 * of a configured provider was reached (then the key's provider limits removed it: not a pin's fault).
 * Walks the branch of the route the request takes (pin-walk.ts), minus the provider limits.
 */
export function unresolvedPin(
  route: ResolvedRoute,
  models: Readonly<Record<string, RouteConfig>>,
  hasProvider: (name: string) => boolean,
  request: RouteRequest,
): GatewayError | undefined {
  if (!route.pins) return undefined;
  const { pins } = route;
  const problems: string[] = [];
  let reachable = false;
  /** Only what a pin lists is told: the config's own routes were valid when stored. */
  const missing = (site: TargetSite, what: string) => {
    if (site.pinned === undefined) return;
    const rule = site.rule === undefined ? '' : `.rules[${site.rule}]`;
    problems.push(`routing.pin.${site.pinned}${rule}.targets[${site.index}] ${what}`);
  };
  walkPins(route.requested, route, ownEntry(pins, route.requested) !== undefined, {
    routeOf: throughPins(pins, models),
    // The branch this request takes, as planTargets picks it.
    lists: (node) => {
      const rule = node.strategy === 'conditional' ? matchingRuleIndex(node.rules ?? [], request) : -1;
      return rule >= 0
        ? [{ rule, targets: node.rules![rule]!.targets }]
        : [{ rule: undefined, targets: node.targets }];
    },
    provider: (name, site) => {
      if (hasProvider(name)) reachable = true;
      else missing(site, `names provider '${name}', which the gateway config does not have`);
    },
    missingAlias: (alias, site) =>
      missing(site, `names model alias '${alias}', which the gateway config does not have`),
    loop: (cycle, sites) => missing(sites.at(-1)!, `leads back to '${cycle[0]}' (${cycle.join(' → ')})`),
  });
  if (reachable || problems.length === 0) return undefined;
  return new GatewayError(
    503,
    'api_error',
    'routing_pin_unresolved',
    `Model '${route.requested}' has no target to route to: in the routing pins of this key or its team, ${problems.join('; ')}. The request was refused rather than sent where the pin does not say; an admin must change the pin (PATCH the key's or team's "routing") or the gateway config.`,
    null,
    // Retrying changes nothing until an admin does.
    { 'x-should-retry': 'false' },
  );
}
