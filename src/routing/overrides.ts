// Per-key (or per-team) routing overrides: pin an alias to other targets, or keep traffic on
// listed providers (data residency). Pure: a policy's override applied to a resolved route.
import * as z from 'zod';
import { ownEntry } from '../config/own-entry';
import type { ResolvedRoute } from '../config/runtime';
import { type RouteConfig, routeSchema } from './config-schema';

const providerList = z.array(z.string().min(1).max(63)).max(100);

export const routingOverrideSchema = z.strictObject({
  /**
   * Aliases (or `<provider>/<model>` names) this key routes differently, also where another alias
   * nests them. The admin API refuses a pin naming what the config lacks (pin-check.ts); what a
   * later config dropped is skipped, and a route left with no target is refused (unresolved-pin.ts).
   */
  pin: z.record(z.string().min(1).max(200), routeSchema).optional(),
  /** Only these providers may serve this key. */
  allowProviders: providerList.min(1, 'allowProviders needs at least one provider').optional(),
  /** These providers never serve this key. */
  denyProviders: providerList.optional(),
});
export type RoutingOverride = z.infer<typeof routingOverrideSchema>;

export interface ProviderFilter {
  allow?: readonly string[];
  deny?: readonly string[];
}

export function providerAllowed(filter: ProviderFilter | undefined, provider: string): boolean {
  if (!filter) return true;
  if (filter.allow && !filter.allow.includes(provider)) return false;
  return !filter.deny?.includes(provider);
}

/** The route as this key sees it. Targets a filter removes are never tried (see planTargets). */
export function applyRoutingOverride(
  route: ResolvedRoute,
  override: RoutingOverride | null | undefined,
): ResolvedRoute {
  if (!override) return route;
  // Own entries only: an alias named `constructor` is not pinned by Object.prototype's.
  const pinned: RouteConfig | undefined = ownEntry(override.pin, route.requested);
  const next: ResolvedRoute = pinned
    ? { requested: route.requested, strategy: pinned.strategy, targets: pinned.targets, rules: pinned.rules }
    : { ...route };
  if (override.pin) next.pins = { ...route.pins, ...override.pin };
  const providers = narrow(route.providers, {
    allow: override.allowProviders,
    deny: override.denyProviders,
  });
  if (providers) next.providers = providers;
  return next;
}

/** A team's override and its key's: the key's pins win, provider limits add up (allow ∩, deny ∪). */
export function mergeRoutingOverrides(
  team: RoutingOverride | null | undefined,
  key: RoutingOverride | null | undefined,
): RoutingOverride | undefined {
  if (!team) return key ?? undefined;
  if (!key) return team;
  const filter = narrow(
    { allow: team.allowProviders, deny: team.denyProviders },
    { allow: key.allowProviders, deny: key.denyProviders },
  );
  const merged: RoutingOverride = {};
  if (team.pin || key.pin) merged.pin = { ...team.pin, ...key.pin };
  if (filter?.allow) merged.allowProviders = [...filter.allow];
  if (filter?.deny) merged.denyProviders = [...filter.deny];
  return merged;
}

function narrow(a: ProviderFilter | undefined, b: ProviderFilter): ProviderFilter | undefined {
  const allow = a?.allow && b.allow ? a.allow.filter((p) => b.allow?.includes(p)) : (b.allow ?? a?.allow);
  const deny = a?.deny || b.deny ? [...new Set([...(a?.deny ?? []), ...(b.deny ?? [])])] : undefined;
  if (!allow && !deny) return undefined;
  return { ...(allow ? { allow } : {}), ...(deny ? { deny } : {}) };
}
