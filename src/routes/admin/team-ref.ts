// A team named by a key or admin-token write (`team` in the body): it must exist and be live. A
// retired team (DELETE /admin/teams/:id) is kept for history, and takes nothing new.
import { GatewayError, invalidRequest } from '../../errors';
import { getTeam } from '../../keys/team-store';

/** 400 `team_not_found` for an unknown id, 409 `team_retired` for a retired team. */
export async function mustBeLiveTeam(db: D1Database, id: string): Promise<void> {
  const team = await getTeam(db, id);
  if (!team) throw invalidRequest(`No team with id '${id}'.`, 'team', 'team_not_found');
  if (team.policy.revokedAt !== null) throw teamRetired(id, 'team');
}

/** The team is retired: it takes no new keys or tokens and can no longer be changed. */
export const teamRetired = (id: string, param: string | null = null) =>
  new GatewayError(
    409,
    'invalid_request_error',
    'team_retired',
    `Team '${id}' is retired: it takes no new keys or admin tokens and can no longer be changed. Create a new team instead.`,
    param,
  );
