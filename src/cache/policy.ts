// Per-key and per-team cache policy, and the settings one request runs with (key over team over config).
import * as z from 'zod';
import type { CacheConfig } from './config-schema';

export const cachePolicySchema = z.strictObject({
  /** false: this key's (or team's) requests never read or write the cache. */
  enabled: z.boolean().optional(),
  /** Overrides `cache.exact.ttlSeconds` for answers this key stores. */
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(365 * 86_400)
    .optional(),
  /** Opts in to (true) or out of (false) the semantic cache, whatever the config says. */
  semantic: z.boolean().optional(),
  /** Overrides `cache.semantic.threshold`. */
  threshold: z.number().gt(0).max(1).optional(),
});
export type CachePolicy = z.infer<typeof cachePolicySchema>;

export interface CacheSettings {
  /** Who may see the entries: `team:<id>`, `key:<id>` or `shared:<name>`. */
  namespace: string;
  exact: boolean;
  semantic: boolean;
  ttlSeconds: number;
  threshold: number;
}

interface Holder {
  id: string;
  teamId: string | null;
}

/** The team's policy under the key's: each field the key sets wins. */
export function mergeCachePolicies(
  team: CachePolicy | undefined,
  key: CachePolicy | undefined,
): CachePolicy | undefined {
  if (!team) return key;
  if (!key) return team;
  const merged: CachePolicy = { ...team };
  for (const [field, value] of Object.entries(key)) {
    if (value !== undefined) Object.assign(merged, { [field]: value });
  }
  return merged;
}

/**
 * Tenants never share entries unless the config puts them in the same named namespace. A key listed
 * itself is in that group, even when its team is listed in another: the narrower listing wins.
 */
export function namespaceOf(config: CacheConfig, key: Holder): string {
  const groups = Object.entries(config.namespaces);
  const { id, teamId } = key;
  const listed =
    groups.find(([, group]) => group.keys.includes(id)) ??
    (teamId !== null ? groups.find(([, group]) => group.teams.includes(teamId)) : undefined);
  if (listed) return `shared:${listed[0]}`;
  return teamId !== null ? `team:${teamId}` : `key:${id}`;
}

/**
 * How long the answer a request stores lives. A TTL the key's or team's policy sets is an admin's
 * (a team-admin may only shorten it), so the client's `x-tollgate-cache-ttl` may shorten it but never
 * lengthen it; without one, the header (already bounded by the config's maxTtlSeconds) decides.
 */
export function entryTtlSeconds(
  settings: CacheSettings,
  policy: CachePolicy | undefined,
  requested: number | undefined,
): number {
  if (requested === undefined) return settings.ttlSeconds;
  return policy?.ttlSeconds === undefined ? requested : Math.min(requested, policy.ttlSeconds);
}

/** `undefined` when the key (or its team) opted out of caching, or the config caches nothing. */
export function cacheSettings(
  config: CacheConfig,
  key: Holder,
  policy: CachePolicy | undefined,
): CacheSettings | undefined {
  if (policy?.enabled === false) return undefined;
  const semantic = policy?.semantic ?? config.semantic.enabled;
  if (!config.exact.enabled && !semantic) return undefined;
  return {
    namespace: namespaceOf(config, key),
    exact: config.exact.enabled,
    semantic,
    ttlSeconds: policy?.ttlSeconds ?? config.exact.ttlSeconds,
    threshold: policy?.threshold ?? config.semantic.threshold,
  };
}
