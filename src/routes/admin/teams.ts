// /admin/teams — a team's budget, limits and model allowlist, shared by all of its keys; create,
// list, read with live usage, update, retire (a soft delete: the row stays for history).
import { Hono } from 'hono';
import * as z from 'zod';
import type { AdminToken } from '../../auth/admin-token-store';
import { randomId } from '../../auth/gateway-key';
import type { AppEnv, Env } from '../../env';
import { GatewayError } from '../../errors';
import { audit } from '../../governance/audit';
import { checkGuardrailSelection } from '../../guardrails/selection-check';
import {
  iso,
  newPolicy,
  patchPolicy,
  policyInput,
  presentPolicy,
  presentUsage,
} from '../../keys/admin-input';
import type { KeyPolicy } from '../../keys/policy';
import { checkTeamPins } from '../../keys/routing-check';
import { liveKeysOfTeam } from '../../keys/store';
import {
  getTeam,
  insertTeam,
  listTeams,
  retireTeam,
  type StoredTeam,
  updateTeam,
} from '../../keys/team-store';
import { teamStub } from '../../limits/stubs';
import { readJsonBody, validateBody } from '../../openai/read-body';
import { etagOf, tellObject, writeConditionally } from './conditional-write';
import { displayName } from './display-name';
import { decodeCursor, encodeCursor, pageLimit } from './paging';
import { flag, rejectRepeated, rejectUnknown } from './query-params';
import { teamRetired } from './team-ref';
import { auditTokenRevoked } from './tokens';

const ADMIN_BODY_LIMIT = 256 * 1024;
/** At most this many of a team's live keys are named when they keep it from being retired. */
const LISTED_KEYS = 5;

const createTeamBody = z.strictObject({
  name: displayName,
  ...policyInput,
});
const patchTeamBody = createTeamBody.partial();

export const teams = new Hono<AppEnv>()
  .post('/', async (c) => {
    const input = validateBody(createTeamBody, await readJsonBody(c.req.raw, ADMIN_BODY_LIMIT));
    await checkGuardrailSelection(c, input.guardrails);
    await checkTeamPins(c, undefined, undefined, input.routing);
    const now = Date.now();
    const policy = newPolicy(input, {
      kind: 'team',
      id: randomId('team'),
      teamId: null,
      expiresAt: null,
      logBodies: false,
    });
    await teamStub(c.env, policy.id).setPolicy(policy, now);
    await insertTeam(c.env.DB, { createdAt: now, updatedAt: now, policy });
    await audit(c, {
      action: 'team.create',
      targetType: 'team',
      targetId: policy.id,
      teamId: policy.id,
      after: policy,
    });
    c.header('ETag', etagOf({ updatedAt: now }));
    return c.json(await present(c.env, { createdAt: now, updatedAt: now, policy }), 201);
  })
  .get('/', async (c) => {
    rejectUnknown(c.req.query(), ['limit', 'cursor', 'budgeted', 'usage', 'includeRetired']);
    rejectRepeated(c.req.queries());
    const { teams: found, more } = await listTeams(c.env.DB, {
      limit: pageLimit(c.req.query('limit')),
      cursor: decodeCursor(c.req.query('cursor')),
      budgeted: flag(c.req.query('budgeted'), 'budgeted'),
      includeRetired: flag(c.req.query('includeRetired'), 'includeRetired'),
    });
    const usage = flag(c.req.query('usage'), 'usage', true);
    const data = await Promise.all(found.map((team) => present(c.env, team, usage)));
    const last = found.at(-1);
    return c.json({ data, nextCursor: more && last ? encodeCursor(last.createdAt, last.policy.id) : null });
  })
  .get('/:id', async (c) => {
    const usage = flag(c.req.query('usage'), 'usage', true);
    const stored = await mustGet(c.env, c.req.param('id'));
    c.header('ETag', etagOf(stored));
    return c.json(await present(c.env, stored, usage));
  })
  .patch('/:id', async (c) => {
    const input = validateBody(patchTeamBody, await readJsonBody(c.req.raw, ADMIN_BODY_LIMIT));
    await checkGuardrailSelection(c, input.guardrails);
    const id = c.req.param('id');
    // Conditional-write.ts: a concurrent change of the team is applied to, not overwritten.
    const { stored, policy, now } = await writeConditionally(
      c,
      'team',
      () => mustGet(c.env, id),
      async (current) => {
        if (current.policy.revokedAt !== null) throw teamRetired(id);
        // Against the pins as they are now: also each member key's beside them.
        if (input.routing !== undefined)
          await checkTeamPins(c, id, current.policy.routing?.pin, input.routing);
        return patchPolicy(current.policy, input);
      },
      (current, next, at) => updateTeam(c.env.DB, next, at, current.updatedAt),
    );
    await audit(c, {
      action: 'team.update',
      targetType: 'team',
      targetId: policy.id,
      teamId: policy.id,
      before: stored.policy,
      after: policy,
    });
    // Stored and audited; then in force (a failure to tell the object is a 503 to send it again).
    await tellObject('team', () => teamStub(c.env, policy.id).setPolicy(policy, now));
    c.header('ETag', etagOf({ updatedAt: now }));
    return c.json(await present(c.env, { ...stored, policy, updatedAt: now }));
  })
  // Retiring is final and idempotent, as a key's revocation is: an already retired team is
  // answered as it is, nothing written or audited, but its object is told again (that repairs a
  // tell that failed before). Admins only (auth/permissions.ts lists no other role for it).
  .delete('/:id', async (c) => {
    const id = c.req.param('id');
    let revokedTokens: AdminToken[] = [];
    const { stored, policy, now } = await writeConditionally(
      c,
      'team',
      () => mustGet(c.env, id),
      async (current, at): Promise<KeyPolicy | null> => {
        if (current.policy.revokedAt !== null) return null;
        await mustBeEmpty(c.env.DB, id);
        return { ...current.policy, revokedAt: at };
      },
      async (current, next, at) => {
        // Refused (null) when the row changed or a key joined the team since the read: read again.
        const tokens = await retireTeam(c.env.DB, next, at, current.updatedAt);
        revokedTokens = tokens ?? [];
        return tokens !== null;
      },
    );
    if (policy === null) {
      await tellObject('team', () => teamStub(c.env, id).setPolicy(stored.policy, stored.updatedAt));
      c.header('ETag', etagOf(stored));
      return c.json(await present(c.env, stored));
    }
    await audit(c, {
      action: 'team.retire',
      targetType: 'team',
      targetId: id,
      teamId: id,
      before: stored.policy,
      after: policy,
    });
    for (const token of revokedTokens) await auditTokenRevoked(c, { ...token, revokedAt: null }, token);
    // No key of the team is live, so nothing depends on this; it makes the object refuse too, for
    // good. The ledger stays, so the team's last usage can still be read.
    await tellObject('team', () => teamStub(c.env, id).setPolicy(policy, now));
    const retired = { ...stored, policy, updatedAt: now };
    c.header('ETag', etagOf(retired));
    return c.json(await present(c.env, retired));
  });

/** 409 `team_not_empty` while a key that is not revoked belongs to the team, naming a few. */
async function mustBeEmpty(db: D1Database, id: string): Promise<void> {
  const live = await liveKeysOfTeam(db, id, LISTED_KEYS);
  if (live.count === 0) return;
  const more = live.count > live.ids.length ? `, and ${live.count - live.ids.length} more` : '';
  const keys = live.count === 1 ? '1 key that is not revoked' : `${live.count} keys that are not revoked`;
  throw new GatewayError(
    409,
    'invalid_request_error',
    'team_not_empty',
    `Team '${id}' still has ${keys} (${live.ids.join(', ')}${more}); expired keys count, as a PATCH can extend them. Move each to another team (PATCH /admin/keys/:id with "team") or revoke it (DELETE /admin/keys/:id) first, then retire the team.`,
  );
}

async function mustGet(env: Env, id: string): Promise<StoredTeam> {
  const stored = await getTeam(env.DB, id);
  if (!stored)
    throw new GatewayError(404, 'invalid_request_error', 'team_not_found', `No team with id '${id}'.`, 'id');
  return stored;
}

/** As a key's (keys.ts): `withUsage` false leaves out the usage, a call to the team's object. */
async function present(env: Env, team: StoredTeam, withUsage = true) {
  const p = team.policy;
  const metadata = {
    id: p.id,
    object: 'gateway.team',
    ...presentPolicy(p),
    createdAt: iso(team.createdAt),
    updatedAt: iso(team.updatedAt),
    /** When DELETE retired the team; null while it is live. */
    retiredAt: iso(p.revokedAt),
  };
  if (!withUsage) return metadata;
  return { ...metadata, usage: presentUsage(await teamStub(env, p.id).usage({})) };
}
