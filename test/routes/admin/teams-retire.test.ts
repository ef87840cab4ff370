// DELETE /admin/teams/:id retires a team (a soft delete): refused while a key that is not revoked
// belongs to it; afterwards it is read as retired, takes no new keys or tokens, cannot be changed,
// and the admin tokens limited to it no longer work. Its history (logs, analytics) keeps its id.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { insertKey, liveKeysOfTeam } from '../../../src/keys/store';
import { getTeam, retireTeam } from '../../../src/keys/team-store';
import { teamStub } from '../../../src/limits/stubs';
import { adminAs, createTeam, createToken } from '../../governance/helpers';
import { admin, call, chat, createKey, type Json, putConfig } from '../../helpers/gateway';
import { expectOpenAIShape } from '../../helpers/openapi';
import { waitForRows } from '../../logs/helpers';

const mockConfig = {
  providers: { mock: { type: 'mock' } },
  models: { fast: { targets: [{ provider: 'mock', model: 'mock-1' }] } },
};

async function expectError(response: Response, status: number, error: Record<string, unknown>) {
  expect(response.status, await response.clone().text()).toBe(status);
  const body = await response.json<Json>();
  expectOpenAIShape('ErrorResponse', body);
  expect(body.error).toMatchObject(error);
  return body.error as { message: string };
}

async function auditOf(team: string, action: string): Promise<Json[]> {
  const page = await (await admin(`/admin/audit?team=${team}&action=${action}`)).json<Json>();
  return page.data;
}

describe('DELETE /admin/teams/:id', () => {
  it('retires an empty team: read as retired, left out of lists, audited once, idempotent', async () => {
    const id = await createTeam('to retire');
    const response = await admin(`/admin/teams/${id}`, 'DELETE');
    expect(response.status).toBe(200);
    const retired = await response.json<Json>();
    expect(retired).toMatchObject({ id, object: 'gateway.team', name: 'to retire' });
    expect(Date.parse(retired.retiredAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(response.headers.get('etag')).toBe(`"${Date.parse(retired.updatedAt)}"`);

    const read = await admin(`/admin/teams/${id}`);
    expect(read.status).toBe(200);
    expect((await read.json<Json>()).retiredAt).toBe(retired.retiredAt);
    const listed = async (query: string) =>
      ((await (await admin(`/admin/teams?usage=false${query}`)).json<Json>()).data as Json[]).map(
        (t) => t.id,
      );
    expect(await listed('')).not.toContain(id);
    expect(await listed('&includeRetired=true')).toContain(id);

    const [row] = await auditOf(id, 'team.retire');
    expect(row).toMatchObject({
      action: 'team.retire',
      target: { type: 'team', id },
      team: id,
      actor: { id: 'root' },
      before: { revokedAt: null },
      after: { revokedAt: Date.parse(retired.retiredAt) },
    });
    // The team's object refuses from now on too (nothing at request time depends on it).
    expect((await teamStub(env, id).getPolicy())?.revokedAt).toBe(Date.parse(retired.retiredAt));

    const again = await admin(`/admin/teams/${id}`, 'DELETE');
    expect(again.status).toBe(200);
    expect((await again.json<Json>()).retiredAt).toBe(retired.retiredAt);
    expect(await auditOf(id, 'team.retire')).toHaveLength(1);
  });

  it('is refused with 409 team_not_empty naming the live keys; allowed once they are moved or revoked', async () => {
    const id = await createTeam('busy');
    const other = await createTeam('elsewhere');
    const keys: string[] = [];
    for (let i = 0; i < 7; i++) keys.push((await createKey({ name: `k${i}`, team: id })).id);
    // A revoked key does not count.
    await admin(`/admin/keys/${keys[6]}`, 'DELETE');

    const error = await expectError(await admin(`/admin/teams/${id}`, 'DELETE'), 409, {
      type: 'invalid_request_error',
      code: 'team_not_empty',
    });
    expect(error.message).toContain('6 keys that are not revoked');
    for (const key of keys.slice(0, 5)) expect(error.message).toContain(key);
    expect(error.message).toContain('and 1 more');
    expect(error.message).toMatch(/move each to another team .* or revoke it/i);
    expect((await (await admin(`/admin/teams/${id}`)).json<Json>()).retiredAt).toBeNull();
    expect(await auditOf(id, 'team.retire')).toHaveLength(0);

    expect((await admin(`/admin/keys/${keys[0]}`, 'PATCH', { team: other })).status).toBe(200);
    for (const key of keys.slice(1, 5))
      expect((await admin(`/admin/keys/${key}`, 'DELETE')).status).toBe(200);
    const one = await expectError(await admin(`/admin/teams/${id}`, 'DELETE'), 409, {
      code: 'team_not_empty',
    });
    expect(one.message).toContain(`1 key that is not revoked (${keys[5]})`);
    expect((await admin(`/admin/keys/${keys[5]}`, 'DELETE')).status).toBe(200);

    expect((await admin(`/admin/teams/${id}`, 'DELETE')).status).toBe(200);
    // Revoked keys keep naming their team.
    expect((await (await admin(`/admin/keys/${keys[5]}`)).json<Json>()).team).toBe(id);
  });

  it('refuses new keys, keys moved in, new team-admin tokens and PATCHes of a retired team (409 team_retired)', async () => {
    const id = await createTeam('gone');
    const { id: keyId } = await createKey({ name: 'outside' });
    expect((await admin(`/admin/teams/${id}`, 'DELETE')).status).toBe(200);

    const retired = { type: 'invalid_request_error', code: 'team_retired' };
    await expectError(await admin('/admin/keys', 'POST', { name: 'new', team: id }), 409, {
      ...retired,
      param: 'team',
    });
    // The team is the answer even beside a pin the config could not route (checked after it).
    const badPin = { routing: { pin: { fast: { targets: [{ provider: 'nope', model: 'm' }] } } } };
    await expectError(await admin('/admin/keys', 'POST', { name: 'new', team: id, ...badPin }), 409, {
      ...retired,
      param: 'team',
    });
    await expectError(await admin(`/admin/keys/${keyId}`, 'PATCH', { team: id }), 409, {
      ...retired,
      param: 'team',
    });
    expect((await (await admin(`/admin/keys/${keyId}`)).json<Json>()).team).toBeNull();
    await expectError(
      await admin('/admin/tokens', 'POST', { name: 't', role: 'team-admin', team: id }),
      409,
      { ...retired, param: 'team' },
    );
    await expectError(await admin(`/admin/teams/${id}`, 'PATCH', { name: 'back' }), 409, retired);
    expect((await (await admin(`/admin/teams/${id}`)).json<Json>()).name).toBe('gone');
    // No key of it can appear: the listing of its keys is empty.
    const listed = await (await admin(`/admin/keys?team=${id}&includeRevoked=true`)).json<Json>();
    expect(listed.data).toEqual([]);
  });

  it('revokes the team-admin tokens of the team: they answer 401 and are audited as revoked', async () => {
    const id = await createTeam('with admins');
    const kept = await createTeam('kept');
    const mine = await createToken('team-admin', id);
    const theirs = await createToken('team-admin', kept);
    expect((await adminAs(mine.token, `/admin/teams/${id}`)).status).toBe(200);

    expect((await admin(`/admin/teams/${id}`, 'DELETE')).status).toBe(200);
    await expectError(await adminAs(mine.token, `/admin/keys`), 401, { code: 'invalid_admin_token' });
    expect((await adminAs(theirs.token, `/admin/teams/${kept}`)).status).toBe(200);
    const token = await (await admin(`/admin/tokens/${mine.id}`)).json<Json>();
    expect(token.revokedAt).not.toBeNull();
    const [row] = await auditOf(id, 'token.revoke');
    expect(row).toMatchObject({
      target: { type: 'token', id: mine.id },
      before: { revokedAt: null },
      after: { revokedAt: token.revokedAt },
    });
  });

  it('is for admins only: viewers and team-admins (its own included) get 403', async () => {
    const id = await createTeam('guarded');
    const viewer = await createToken('viewer');
    const teamAdmin = await createToken('team-admin', id);
    const adminToken = await createToken('admin');
    for (const token of [viewer.token, teamAdmin.token]) {
      await expectError(await adminAs(token, `/admin/teams/${id}`, 'DELETE'), 403, {
        type: 'permission_error',
        code: 'insufficient_role',
      });
    }
    expect((await (await admin(`/admin/teams/${id}`)).json<Json>()).retiredAt).toBeNull();
    expect((await adminAs(adminToken.token, `/admin/teams/${id}`, 'DELETE')).status).toBe(200);
    const [row] = await auditOf(id, 'team.retire');
    expect(row.actor).toMatchObject({ id: adminToken.id, role: 'admin' });
  });

  it('honours If-Match: a stale ETag is refused with 412 and retires nothing', async () => {
    const id = await createTeam('conditional');
    const etag = (await admin(`/admin/teams/${id}`)).headers.get('etag')!;
    expect((await admin(`/admin/teams/${id}`, 'PATCH', { name: 'renamed' })).status).toBe(200);
    const ifMatch = (value: string) =>
      call(`/admin/teams/${id}`, {
        method: 'DELETE',
        headers: { authorization: 'Bearer test-admin-token', 'if-match': value },
      });
    await expectError(await ifMatch(etag), 412, { code: 'precondition_failed' });
    expect((await (await admin(`/admin/teams/${id}`)).json<Json>()).retiredAt).toBeNull();
    const fresh = (await admin(`/admin/teams/${id}`)).headers.get('etag')!;
    expect((await ifMatch(fresh)).status).toBe(200);
  });

  it('answers 404 team_not_found for an unknown team', async () => {
    await expectError(await admin('/admin/teams/team_nope', 'DELETE'), 404, {
      code: 'team_not_found',
      param: 'id',
    });
  });

  it("keeps the team's history: log rows and analytics grouped by team still name it", async () => {
    expect((await putConfig(mockConfig)).status).toBe(200);
    const id = await createTeam('historic');
    const { id: keyId, key } = await createKey({ team: id });
    const requestId = `retire-${crypto.randomUUID()}`;
    const asked = await chat(
      key,
      { model: 'fast', messages: [{ role: 'user', content: 'hi' }] },
      { 'x-request-id': requestId },
    );
    expect(asked.status).toBe(200);
    await waitForRows([requestId]);
    expect((await admin(`/admin/keys/${keyId}`, 'DELETE')).status).toBe(200);
    expect((await admin(`/admin/teams/${id}`, 'DELETE')).status).toBe(200);

    const logs = await (await admin(`/admin/logs?team=${id}`)).json<Json>();
    expect(logs.data.map((row: Json) => row.team)).toEqual([id]);
    const grouped = await (await admin(`/admin/analytics?groupBy=team&team=${id}`)).json<Json>();
    expect(grouped.groups).toEqual([expect.objectContaining({ key: id, requests: 1 })]);
  });

  it('lets config changes through that only a retired team would have blocked (guardrails)', async () => {
    // A rule name no other test gives a key or team.
    const rule = { name: 'retired-only', keywords: ['draft'], action: 'block', enabled: false };
    expect((await putConfig({ ...mockConfig, guardrails: [rule] })).status).toBe(200);
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'named a rule', guardrails: ['retired-only'] })
    ).json<Json>();
    await expectError(await putConfig(mockConfig), 409, { code: 'guardrail_in_use' });
    expect((await admin(`/admin/teams/${team.id}`, 'DELETE')).status).toBe(200);
    expect((await putConfig(mockConfig)).status).toBe(200);
  });

  it('lets config changes through that only a retired team would have blocked (pins)', async () => {
    const withEu = { ...mockConfig, providers: { ...mockConfig.providers, eu: { type: 'mock' } } };
    expect((await putConfig(withEu)).status).toBe(200);
    const pin = { routing: { pin: { fast: { targets: [{ provider: 'eu', model: 'mock-1' }] } } } };
    const team = await (await admin('/admin/teams', 'POST', { name: 'pinned', ...pin })).json<Json>();
    expect((await putConfig(mockConfig)).status).toBe(409);
    expect((await admin(`/admin/teams/${team.id}`, 'DELETE')).status).toBe(200);
    expect((await putConfig(mockConfig)).status).toBe(200);
  });
});

describe('retiring races with key writes (D1, atomically)', () => {
  it('writes nothing while a live key belongs to the team, and a key cannot be inserted into a retired team', async () => {
    const id = await createTeam('racing');
    const stored = (await getTeam(env.DB, id))!;
    const { id: keyId } = await createKey({ team: id });
    const at = stored.updatedAt + 1;
    // As if the key joined between the route's check and its write.
    expect(await retireTeam(env.DB, { ...stored.policy, revokedAt: at }, at, stored.updatedAt)).toBeNull();
    expect((await getTeam(env.DB, id))!.policy.revokedAt).toBeNull();
    expect((await admin(`/admin/keys/${keyId}`, 'DELETE')).status).toBe(200);

    const current = (await getTeam(env.DB, id))!;
    const now = current.updatedAt + 1;
    expect(await retireTeam(env.DB, { ...current.policy, revokedAt: now }, now, current.updatedAt)).toEqual(
      [],
    );
    // As if a key create had checked the team just before it was retired.
    const late = {
      hash: 'f'.repeat(64),
      prefix: 'tg-late',
      createdAt: now,
      updatedAt: now,
      policy: { ...current.policy, kind: 'key' as const, id: 'key_late', teamId: id, revokedAt: null },
    };
    expect(await insertKey(env.DB, late)).toBe(false);
    expect(await liveKeysOfTeam(env.DB, id, 5)).toEqual({ count: 0, ids: [] });
  });
});
