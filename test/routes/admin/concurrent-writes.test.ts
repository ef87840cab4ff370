import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/auth/gateway-key';
import { keyPolicySchema } from '../../../src/keys/policy';
import { keyStub, teamStub } from '../../../src/limits/stubs';
import { ADMIN_TOKEN, admin, call, createKey, type Json } from '../../helpers/gateway';
import { keyPolicy } from '../../helpers/key-policy';

const withHeaders = (path: string, method: string, headers: Record<string, string>, body?: unknown) =>
  call(path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Eight PATCHes at once, each of another field. */
const changes = [
  { name: 'renamed' },
  { models: ['fast'] },
  { limits: { rpm: 77 } },
  { budget: { usd: 9, period: 'month' } },
  { logBodies: true },
  { cache: { enabled: false } },
  { expiresAt: '2999-01-01T00:00:00.000Z' },
  { routing: { denyProviders: ['openai'] } },
];

const objectNamed = (name: string) => env.KEYS.get(env.KEYS.idFromName(name));

describe('policy revisions in the object', () => {
  it('ignores a write older than the one it holds', async () => {
    const object = objectNamed('revisions-late-write');
    await object.setPolicy(keyPolicy({ name: 'current', limits: { rpm: 5 } }), 20);
    await object.setPolicy(keyPolicy({ name: 'late' }), 10);
    expect(await object.getPolicy()).toMatchObject({ name: 'current', limits: { rpm: 5 } });
    // The same revision again (a retried call) and a newer one apply.
    await object.setPolicy(keyPolicy({ name: 'again' }), 20);
    expect((await object.getPolicy())?.name).toBe('again');
    await object.setPolicy(keyPolicy({ name: 'newer' }), 21);
    expect((await object.getPolicy())?.name).toBe('newer');
  });

  it('keeps a revocation whatever comes after it, older or newer: revoking is final', async () => {
    const object = objectNamed('revisions-final');
    await object.setPolicy(keyPolicy({ name: 'live' }), 10);
    // Told before the row is written, a revocation applies whatever the revision.
    await object.setPolicy(keyPolicy({ revokedAt: 1_000 }), 5);
    await object.setPolicy(keyPolicy({ name: 'newer' }), 30);
    expect(await object.getPolicy()).toMatchObject({ name: 't', revokedAt: 1_000 });
  });

  it("takes the old secret's policy at a rotation when a newer write reached it after the rotation's read", async () => {
    const old = objectNamed('revisions-old-secret');
    const fresh = objectNamed('revisions-new-secret');
    await old.setPolicy(keyPolicy({ limits: { rpm: 10 } }), 5);
    await fresh.setPolicy(keyPolicy({ limits: { rpm: 10 } }), 5);
    // A PATCH that read the row before the rotation moved it lands on the old object.
    await old.setPolicy(keyPolicy({ limits: { rpm: 1 } }), 6);
    await fresh.adopt(await old.handOver({ to: 'revisions-new-secret', until: Date.now() + 60_000 }));
    expect((await fresh.getPolicy())?.limits.rpm).toBe(1);
    // An older one handed over does not replace a newer one.
    const other = objectNamed('revisions-other-old');
    await other.setPolicy(keyPolicy({ limits: { rpm: 99 } }), 3);
    await fresh.adopt(await other.handOver({ to: 'revisions-new-secret', until: Date.now() + 60_000 }));
    expect((await fresh.getPolicy())?.limits.rpm).toBe(1);
  });
});

describe('concurrent admin writes', () => {
  it('applies every one of many PATCHes of one key sent at once, in the row and in the object', async () => {
    const { id, key } = await createKey();
    const statuses = await Promise.all(
      changes.map(async (change) => (await admin(`/admin/keys/${id}`, 'PATCH', change)).status),
    );
    expect(statuses).toEqual(changes.map(() => 200));
    const read = await (await admin(`/admin/keys/${id}`)).json<Json>();
    expect(read).toMatchObject({
      name: 'renamed',
      models: ['fast'],
      limits: { rpm: 77 },
      budget: { usd: 9, period: 'month' },
      logBodies: true,
      cache: { enabled: false },
      expiresAt: '2999-01-01T00:00:00.000Z',
      routing: { denyProviders: ['openai'] },
    });
    // What admission reads agrees with the row.
    const object = keyPolicySchema.parse(await keyStub(env, await sha256Hex(key)).getPolicy());
    expect(object).toMatchObject({
      name: 'renamed',
      models: ['fast'],
      limits: { rpm: 77 },
      budget: { usd: 9, period: 'month' },
      logBodies: true,
      expiresAt: Date.parse('2999-01-01T00:00:00.000Z'),
    });
  });

  it('applies every one of many PATCHes of one team sent at once', async () => {
    const team = await (await admin('/admin/teams', 'POST', { name: 'racers' })).json<Json>();
    const teamChanges = [{ name: 'renamed' }, { models: ['fast'] }, { limits: { rpm: 5 } }, { zdr: true }];
    const statuses = await Promise.all(
      teamChanges.map(async (change) => (await admin(`/admin/teams/${team.id}`, 'PATCH', change)).status),
    );
    expect(statuses).toEqual([200, 200, 200, 200]);
    const read = await (await admin(`/admin/teams/${team.id}`)).json<Json>();
    expect(read).toMatchObject({ name: 'renamed', models: ['fast'], limits: { rpm: 5 }, zdr: true });
    expect(await teamStub(env, team.id).getPolicy()).toMatchObject({
      name: 'renamed',
      models: ['fast'],
      limits: { rpm: 5 },
      zdr: true,
    });
  });

  it('honours If-Match with the ETag of a read: 412 once the key has changed since', async () => {
    const { id } = await createKey();
    const read = await admin(`/admin/keys/${id}`);
    const etag = read.headers.get('etag');
    expect(etag).toMatch(/^"\d+"$/);

    const first = await withHeaders(`/admin/keys/${id}`, 'PATCH', { 'if-match': etag ?? '' }, { name: 'a' });
    expect(first.status).toBe(200);
    const next = first.headers.get('etag');
    expect(next).toMatch(/^"\d+"$/);
    expect(next).not.toBe(etag);

    // A second client that read before the first change is told so, and nothing is written.
    const stale = await withHeaders(`/admin/keys/${id}`, 'PATCH', { 'if-match': etag ?? '' }, { name: 'b' });
    expect(stale.status).toBe(412);
    expect((await stale.json<Json>()).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'precondition_failed',
    });
    expect((await (await admin(`/admin/keys/${id}`)).json<Json>()).name).toBe('a');
    const staleDelete = await withHeaders(`/admin/keys/${id}`, 'DELETE', { 'if-match': etag ?? '' });
    expect(staleDelete.status).toBe(412);
    expect((await (await admin(`/admin/keys/${id}`)).json<Json>()).revokedAt).toBeNull();

    // The current tag (weak or in a list) and `*` match.
    const listed = await withHeaders(
      `/admin/keys/${id}`,
      'PATCH',
      { 'if-match': `"0", W/${next}` },
      { name: 'c' },
    );
    expect(listed.status).toBe(200);
    const any = await withHeaders(`/admin/keys/${id}`, 'PATCH', { 'if-match': '*' }, { name: 'd' });
    expect(any.status).toBe(200);
    expect((await (await admin(`/admin/keys/${id}`)).json<Json>()).name).toBe('d');
  });

  it('honours If-Match on a team too', async () => {
    const team = await admin('/admin/teams', 'POST', { name: 'tagged' });
    const etag = team.headers.get('etag') ?? '';
    const { id } = await team.json<Json>();
    expect(
      (await withHeaders(`/admin/teams/${id}`, 'PATCH', { 'if-match': etag }, { name: 'x' })).status,
    ).toBe(200);
    expect(
      (await withHeaders(`/admin/teams/${id}`, 'PATCH', { 'if-match': etag }, { name: 'y' })).status,
    ).toBe(412);
    expect((await (await admin(`/admin/teams/${id}`)).json<Json>()).name).toBe('x');
  });

  it('rotates a key once when asked twice at once: the other is a 409 and its secret admits nothing', async () => {
    const { id } = await createKey();
    const responses = await Promise.all([
      admin(`/admin/keys/${id}/rotate`, 'POST', { graceSeconds: 0 }),
      admin(`/admin/keys/${id}/rotate`, 'POST', { graceSeconds: 0 }),
    ]);
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 409]);
    const winner = await responses.find((response) => response.status === 200)?.json<Json>();
    const loser = await responses.find((response) => response.status === 409)?.json<Json>();
    expect(loser.error.code).toBe('concurrent_update');
    const row = await env.DB.prepare('SELECT key_hash FROM keys WHERE id = ?')
      .bind(id)
      .first<{ key_hash: string }>();
    expect(row?.key_hash).toBe(await sha256Hex(winner.key));
    const chat = await call('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${winner.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
  });
});
