// Team-admins see and change only their own team's keys, logs and analytics. Routes ask here.
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { GatewayError } from '../errors';

type AdminContext = Context<AppEnv>;

/** The team the caller is limited to, or null when it may see every team. */
export function teamScope(c: AdminContext): string | null {
  const principal = c.get('principal');
  return principal?.role === 'team-admin' ? principal.teamId : null;
}

/** Whether a resource of `teamId` is visible to the caller. */
export function inTeamScope(c: AdminContext, teamId: string | null): boolean {
  const scope = teamScope(c);
  return scope === null || scope === teamId;
}

/** 403 for a role denial; `param` names the request field refused, when one is. */
export function insufficientRole(message: string, param: string | null = null): GatewayError {
  return new GatewayError(403, 'permission_error', 'insufficient_role', message, param);
}

/**
 * The query parameters with `team` pinned to the caller's team (for logs and analytics filters);
 * asking for another team is refused rather than silently answered with the caller's own.
 */
export function scopedQuery(c: AdminContext): Record<string, string> {
  const params = c.req.query();
  const scope = teamScope(c);
  if (scope === null) return params;
  if (params.team !== undefined && params.team !== scope)
    throw insufficientRole(`A team-admin token may only read its own team ('${scope}').`);
  return { ...params, team: scope };
}

/**
 * The team a key may be given by the caller. Team-admins create keys in their own team (the
 * default when none is given) and can never move a key elsewhere; other roles pass through.
 * `creating`: an absent team means "none" for admins and "mine" for team-admins.
 */
export function pinTeam<T extends string | null | undefined>(
  c: AdminContext,
  team: T,
  creating: boolean,
): T | string {
  const scope = teamScope(c);
  if (scope === null) return team;
  if (team === undefined && creating) return scope;
  if (team !== undefined && team !== scope)
    throw insufficientRole(`A team-admin token may only manage keys of its own team ('${scope}').`);
  return team;
}
