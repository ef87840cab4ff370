// A key's (and its team's) policy read from their objects, for the /v1 routes that admit nothing
// (GET /v1/models, stored responses, conversation reads and deletions): refused as an admission
// would refuse the key, and the log row named from the policy in hand (without it the log looks the
// key up in D1 for every such request).
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import type { KeyPolicy } from '../keys/policy';
import { assertUsable, unavailable } from './refusal';
import { keyStub, teamStub } from './stubs';

export interface UsableKey {
  policy: KeyPolicy;
  /** The key's team's policy; null without a team. */
  team: KeyPolicy | null;
}

export async function usableKey(c: Context<AppEnv>): Promise<UsableKey> {
  const read = await policyAt(keyStub(c.env, c.get('keyHash')));
  const now = Date.now();
  const policy = assertUsable(read, 'key', now);
  // A key in a team may do nothing once the team is disabled.
  const teamRead = policy.teamId === null ? null : await policyAt(teamStub(c.env, policy.teamId));
  const team = teamRead?.ok ? teamRead.policy : null;
  c.get('log').admitted({
    id: policy.id,
    teamId: policy.teamId,
    logBodies: false,
    zdr: policy.zdr === true || team?.zdr === true,
  });
  if (teamRead) assertUsable(teamRead, 'team', now);
  return { policy, team };
}

/** A key's or team's policy from its object (which follows a rotation); a 503 when it cannot answer. */
function policyAt(stub: ReturnType<typeof keyStub>) {
  return stub.readPolicy().catch((error: unknown) => {
    throw unavailable(error);
  });
}
