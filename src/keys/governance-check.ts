// Admin-time check of a key change made by a team-admin: it may only tighten the key's governance
// settings (./governance.ts); admins and the root token may change anything.
import type { Context } from 'hono';
import { insufficientRole, teamScope } from '../auth/team-scope';
import { currentConfig } from '../config/store';
import type { AppEnv } from '../env';
import { type Governed, loosening } from './governance';
import type { KeyPolicy } from './policy';
import { getTeam } from './team-store';

/** Throws 403 insufficient_role naming the field when a team-admin's change loosens `before`. */
export async function checkTightening(c: Context<AppEnv>, before: Governed, after: KeyPolicy): Promise<void> {
  if (teamScope(c) === null) return;
  const [team, runtime] = await Promise.all([
    after.teamId ? getTeam(c.env.DB, after.teamId) : null,
    currentConfig(c.env),
  ]);
  const { limits, cache } = runtime.config;
  const found = loosening(before, after, team?.policy ?? null, {
    rpm: limits.rpm,
    tpm: limits.tpm,
    cacheTtlSeconds: cache.exact.ttlSeconds,
    semanticCache: cache.semantic.enabled,
    semanticThreshold: cache.semantic.threshold,
  });
  if (found)
    throw insufficientRole(
      `A team-admin token may only tighten a key's governance settings: ${found.reason}. Ask an admin.`,
      found.param,
    );
}
