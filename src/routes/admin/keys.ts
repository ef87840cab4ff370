// /admin/keys — create (the secret is shown once), list, read with live usage, update, revoke.
import { type Context, Hono } from 'hono';
import * as z from 'zod';
import { generateGatewayKey, keyPrefix, randomId, sha256Hex } from '../../auth/gateway-key';
import { pinTeam, scopedQuery, teamScope } from '../../auth/team-scope';
import { getRuntime } from '../../config/store';
import { describeFailure } from '../../describe-error';
import type { AppEnv, Env } from '../../env';
import { GatewayError, invalidRequest, unavailableNow } from '../../errors';
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
import { FRESH_KEY } from '../../keys/governance';
import { checkTightening } from '../../keys/governance-check';
import type { KeyPolicy } from '../../keys/policy';
import { checkKeyPins } from '../../keys/routing-check';
import { getKey, insertKey, listKeys, type StoredKey, updateKey } from '../../keys/store';
import { keyStub } from '../../limits/stubs';
import { readJsonBody, validateBody } from '../../openai/read-body';
import { tried } from '../../tries';
import { etagOf, tellObject, writeConditionally } from './conditional-write';
import { displayName } from './display-name';
import { decodeCursor, encodeCursor, pageLimit } from './paging';
import { flag, rejectRepeated, rejectUnknown } from './query-params';
import { mustBeLiveTeam, teamRetired } from './team-ref';

const ADMIN_BODY_LIMIT = 256 * 1024;
const expiresAt = z.iso.datetime({ offset: true }).nullable();

const createKeyBody = z.strictObject({
  name: displayName,
  /** The id of an existing team (`POST /admin/teams`); null or absent for none. */
  team: z.string().min(1).max(100).nullable().optional(),
  ...policyInput,
  expiresAt: expiresAt.optional(),
  logBodies: z.boolean().optional(),
});

const patchKeyBody = createKeyBody.partial();

export const keys = new Hono<AppEnv>()
  .post('/', async (c) => {
    const input = validateBody(createKeyBody, await readJsonBody(c.req.raw, ADMIN_BODY_LIMIT));
    input.team = pinTeam(c, input.team, true);
    // The team first: the other checks read it (its pins), and an unknown or retired one is the answer.
    if (input.team) await mustBeLiveTeam(c.env.DB, input.team);
    await checkGuardrailSelection(c, input.guardrails);
    await checkKeyPins(c, { routing: input.routing, teamId: input.team });
    const now = Date.now();
    const expires = input.expiresAt ? Date.parse(input.expiresAt) : null;
    if (expires !== null && expires <= now)
      throw invalidRequest('expiresAt must be in the future.', 'expiresAt');
    const secret = generateGatewayKey();
    const policy = newPolicy(input, {
      kind: 'key',
      id: randomId('key'),
      teamId: input.team ?? null,
      expiresAt: expires,
      logBodies: input.logBodies ?? false,
    });
    await checkTightening(c, FRESH_KEY, policy);
    const stored: StoredKey = {
      hash: await sha256Hex(secret),
      prefix: keyPrefix(secret),
      createdAt: now,
      updatedAt: now,
      policy,
    };
    // The Durable Object is what admits requests, so it is written first; if the D1 row then
    // fails (or its team was retired meanwhile), the object is revoked again so that no unlisted
    // key can work.
    const stub = keyStub(c.env, stored.hash);
    await stub.setPolicy(policy, now);
    const undo = () => stub.setPolicy({ ...policy, revokedAt: now }, now);
    const inserted = await insertKey(c.env.DB, stored).catch(async (error: unknown) => {
      await undo();
      throw error;
    });
    if (!inserted) {
      await undo();
      throw teamRetired(input.team ?? '', 'team');
    }
    await audit(c, {
      action: 'key.create',
      targetType: 'key',
      targetId: policy.id,
      teamId: policy.teamId,
      after: policy,
    });
    c.header('ETag', etagOf(stored));
    return c.json({ ...(await present(c.env, stored)), key: secret }, 201);
  })
  .get('/', async (c) => {
    rejectUnknown(c.req.query(), ['limit', 'cursor', 'includeRevoked', 'team', 'budgeted', 'usage']);
    rejectRepeated(c.req.queries());
    const limit = pageLimit(c.req.query('limit'));
    const { team } = scopedQuery(c);
    // An empty filter is a mistake (a shell variable left unset), never "every key".
    if (team === '')
      throw invalidRequest('team must be a team id (team_…); leave it out to list every key.', 'team');
    const { keys: found, more } = await listKeys(c.env.DB, {
      limit,
      cursor: decodeCursor(c.req.query('cursor')),
      includeRevoked: flag(c.req.query('includeRevoked'), 'includeRevoked'),
      teamId: team,
      budgeted: flag(c.req.query('budgeted'), 'budgeted'),
    });
    const usage = flag(c.req.query('usage'), 'usage', true);
    const data = await Promise.all(found.map((key) => present(c.env, key, usage)));
    const last = found.at(-1);
    return c.json({ data, nextCursor: more && last ? encodeCursor(last.createdAt, last.policy.id) : null });
  })
  .get('/:id', async (c) => {
    const usage = flag(c.req.query('usage'), 'usage', true);
    const stored = await mustGet(c.env, c.req.param('id'), teamScope(c));
    c.header('ETag', etagOf(stored));
    return c.json(await present(c.env, stored, usage));
  })
  .patch('/:id', async (c) => {
    const input = validateBody(patchKeyBody, await readJsonBody(c.req.raw, ADMIN_BODY_LIMIT));
    // Checks that do not depend on the key's current policy are made once, before the write.
    const id = c.req.param('id');
    await mustGet(c.env, id, teamScope(c));
    input.team = pinTeam(c, input.team, false);
    await checkGuardrailSelection(c, input.guardrails);
    if (input.team) await mustBeLiveTeam(c.env.DB, input.team);
    let attempted = 0;
    return save(c, 'key.update', id, async (stored, now) => {
      if (stored.policy.revokedAt !== null) throw keyRevoked();
      // Again on a retry: the write is refused once the team is retired (store.ts updateKey).
      if (input.team && attempted++ > 0) await mustBeLiveTeam(c.env.DB, input.team);
      // As at creation: a key is ended with DELETE, not with an expiry already past.
      const expiry = input.expiresAt ? Date.parse(input.expiresAt) : null;
      // (The stored value sent back unchanged, as a client echoing what it read does, is no change.)
      if (expiry !== null && expiry <= now && expiry !== stored.policy.expiresAt)
        throw invalidRequest('expiresAt must be in the future (DELETE revokes a key now).', 'expiresAt');
      const policy: KeyPolicy = {
        ...patchPolicy(stored.policy, input),
        ...(input.team !== undefined ? { teamId: input.team } : {}),
        ...(input.logBodies !== undefined ? { logBodies: input.logBodies } : {}),
        ...(input.expiresAt !== undefined ? { expiresAt: expiry } : {}),
      };
      // Its pins, with its team's beside them, whichever of the two this changes.
      if (input.routing !== undefined || input.team !== undefined)
        await checkKeyPins(c, policy, stored.policy);
      await checkTightening(c, stored.policy, policy);
      return policy;
    });
  })
  // Already revoked: nothing changes, nothing is audited, but the object is told again (the row
  // says revoked; should a race or a failed call have left the object admitting, this repairs it).
  .delete('/:id', (c) =>
    save(c, 'key.revoke', c.req.param('id'), (stored, now) =>
      stored.policy.revokedAt === null ? { ...stored.policy, revokedAt: now } : null,
    ),
  );

/**
 * Changes a key's policy (conditional-write.ts) and tells its Durable Object, what admission reads
 * (a late, older write cannot overwrite a newer one there). A revocation is told to the object
 * first, so that it is in force whatever fails after; any other change is stored first and then
 * told (a failure to tell answers 503: stored, not yet in force). Audited once stored; presented.
 */
async function save(
  c: Context<AppEnv>,
  action: 'key.update' | 'key.revoke',
  id: string,
  change: (stored: StoredKey, now: number) => Promise<KeyPolicy | null> | KeyPolicy | null,
) {
  const tell = (stored: StoredKey, policy: KeyPolicy, revision: number, first = false) =>
    tellObject('key', () => keyStub(c.env, stored.hash).setPolicy(policy, revision), !first);
  const written = await writeConditionally(
    c,
    'key',
    () => mustGet(c.env, id, teamScope(c)),
    change,
    async (stored, policy, now) => {
      if (policy.revokedAt === null) return updateKey(c.env.DB, policy, now, stored.updatedAt);
      await tell(stored, policy, now, true);
      // In force from here: the record must follow (a few tries), or the client is told so.
      return recorded(() => updateKey(c.env.DB, policy, now, stored.updatedAt));
    },
  );
  const { stored, policy } = written;
  if (policy === null) {
    await tell(stored, stored.policy, stored.updatedAt);
    c.header('ETag', etagOf(stored));
    return c.json(await present(c.env, stored));
  }
  const audited = (act: typeof action, before: KeyPolicy, after: KeyPolicy) =>
    audit(c, { action: act, targetType: 'key', targetId: id, teamId: after.teamId, before, after });
  let told: Awaited<ReturnType<typeof tell>> | undefined;
  try {
    if (policy.revokedAt === null) told = await tell(stored, policy, written.now);
  } catch (error) {
    await audited(action, stored.policy, policy); // stored, if not yet in force: audited all the same
    throw error;
  }
  if (told === 'revoked') {
    // The object holds a revocation the row missed (its record failed after it was in force, or a
    // DELETE at the same moment): the row goes back to what it was, revoked, and that revocation
    // is audited; the change is refused, as for any revoked key, and neither stored nor audited.
    const revoked = { ...stored.policy, revokedAt: written.now };
    const inLine = await updateKey(c.env.DB, revoked, written.now + 1, written.now).catch(
      (error: unknown) => {
        console.error('revoked row not brought in line', describeFailure(error));
        return false;
      },
    );
    if (inLine) await audited('key.revoke', stored.policy, revoked);
    throw keyRevoked();
  }
  await audited(action, stored.policy, policy);
  const updated = { ...stored, policy, updatedAt: written.now };
  c.header('ETag', etagOf(updated));
  return c.json(await present(c.env, updated));
}

/** A revocation's row write, tried a few times; a 503 saying it is in force but not yet recorded. */
function recorded(write: () => Promise<boolean>): Promise<boolean> {
  return tried(write, (last) => {
    console.error('revocation in force but not recorded', describeFailure(last));
    throw unavailableNow(
      'storage_unavailable',
      'The key is revoked (in force now), but the record of it could not be written: send the DELETE again to record it.',
    );
  });
}

const keyRevoked = () =>
  new GatewayError(
    409,
    'invalid_request_error',
    'key_revoked',
    'This key is revoked and can no longer be changed.',
  );

/** The key by id; one outside the caller's team scope does not exist for it (404, not 403). */
export async function mustGet(env: Env, id: string, scope: string | null = null): Promise<StoredKey> {
  const stored = await getKey(env.DB, id);
  if (!stored || (scope !== null && stored.policy.teamId !== scope))
    throw new GatewayError(404, 'invalid_request_error', 'key_not_found', `No key with id '${id}'.`, 'id');
  return stored;
}

/**
 * The API view of a key: metadata and live usage, never the secret or its hash. Usage (and
 * lastUsedAt) is a call to the key's Durable Object: `withUsage` false leaves both out, for a
 * listing that needs names only (the dashboard's) and must not cost an object call per key.
 */
export async function present(env: Env, key: StoredKey, withUsage = true) {
  const p = key.policy;
  const metadata = {
    id: p.id,
    object: 'gateway.key',
    ...presentPolicy(p),
    prefix: key.prefix,
    team: p.teamId,
    expiresAt: iso(p.expiresAt),
  };
  const times = {
    logBodies: p.logBodies,
    createdAt: iso(key.createdAt),
    updatedAt: iso(key.updatedAt),
    revokedAt: iso(p.revokedAt),
  };
  if (!withUsage) return { ...metadata, ...times };
  // The config's default limits, for keys without their own; none while the stored config is unreadable.
  const limits = await getRuntime(env).then(
    (runtime) => runtime.config.limits,
    (error: unknown) => {
      if (error instanceof GatewayError && error.code === 'config_invalid') return undefined;
      throw error;
    },
  );
  const usage = await keyStub(env, key.hash).usage({ rpm: limits?.rpm, tpm: limits?.tpm });
  return { ...metadata, lastUsedAt: iso(usage.lastUsedAt ?? null), ...times, usage: presentUsage(usage) };
}
