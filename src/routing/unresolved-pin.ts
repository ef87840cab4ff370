// Why a pinned route has no target to try, when the config changed after the pin was written (the
// admin API refuses such a pin, routing/pin-check.ts): the pin names a provider or alias the config
// no longer has, or leads back to itself. Said as such, not as the key's allowlist refusing the
// model; and never answered from the config's own route instead, as the pin is the admin's choice.
import { ownEntry } from '../config/own-entry';
import type { ResolvedRoute } from '../config/runtime';
import { GatewayError } from '../errors';
import { matchingRuleIndex, type RouteRequest } from './conditions';
import type { RouteConfig } from './config-schema';

/**
 * The error for a route that planned no target because of its pins, or undefined when some target
 * of a configured provider was reached (then the key's provider limits removed it: not a pin's fault).
 * Walks the route as planTargets does (strategies.ts), minus the provider limits.
 */
export function unresolvedPin(
  route: ResolvedRoute,
  models: Readonly<Record<string, RouteConfig>>,
  hasProvider: (name: string) => boolean,
  request: RouteRequest,
): GatewayError | undefined {
  if (!route.pins) return undefined;
  const problems: string[] = [];
  let reachable = false;
  const expanded = new Set<string>();

  /** `pinned`: the alias whose pin `node` is, for the path of what it names; undefined for the config's. */
  const walk = (
    node: Pick<RouteConfig, 'strategy' | 'targets' | 'rules'>,
    pinned: string | undefined,
    visiting: readonly string[],
  ) => {
    const rule = node.strategy === 'conditional' ? matchingRuleIndex(node.rules ?? [], request) : -1;
    const list = rule >= 0 ? node.rules![rule]!.targets : node.targets;
    for (const [index, target] of list.entries()) {
      const at =
        pinned === undefined
          ? undefined
          : `routing.pin.${pinned}${rule >= 0 ? `.rules[${rule}]` : ''}.targets[${index}]`;
      const missing = (what: string) => at && problems.push(`${at} ${what}`);
      if (target.alias === undefined) {
        if (hasProvider(target.provider)) reachable = true;
        else missing(`names provider '${target.provider}', which the gateway config does not have`);
        continue;
      }
      if (visiting.includes(target.alias)) {
        missing(`leads back to '${target.alias}' (${[...visiting, target.alias].join(' → ')})`);
        continue;
      }
      const pin = ownEntry(route.pins, target.alias);
      const nested = pin ?? ownEntry(models, target.alias);
      if (!nested) missing(`names model alias '${target.alias}', which the gateway config does not have`);
      else if (!expanded.has(target.alias)) {
        walk(nested, pin ? target.alias : undefined, [...visiting, target.alias]);
        expanded.add(target.alias);
      }
    }
  };

  const top = ownEntry(route.pins, route.requested) ? route.requested : undefined;
  walk(route, top, [route.requested]);
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
