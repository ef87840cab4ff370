import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import { rotateKey } from '../../src/governance/key-rotation';
import { getKey } from '../../src/keys/store';
import { LAST_USED_PERSIST_MS } from '../../src/limits/last-use';
import { keyStub } from '../../src/limits/stubs';
import { ADMIN_TOKEN, admin, call, chat, createKey, type Json } from '../helpers/gateway';
import { spentBudgetKey } from './helpers';

const ask = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };
const status = async (key: string) => (await chat(key, ask)).status;
const listing = async (key: string) =>
  (await call('/v1/models', { headers: { authorization: `Bearer ${key}` } })).status;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const rotate = (id: string, body: Json, ifMatch?: string) =>
  call(`/admin/keys/${id}/rotate`, {
    method: 'POST',
    headers: { ...adminHeaders, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
    body: JSON.stringify(body),
  });

describe('key rotation', () => {
  it('returns a new secret; the old one works until the grace period ends, then 401', async () => {
    const old = await createKey();
    const response = await admin(`/admin/keys/${old.id}/rotate`, 'POST', { graceSeconds: 1 });
    expect(response.status).toBe(200);
    const rotated = await response.json<Json>();
    expect(rotated.id).toBe(old.id);
    expect(rotated.key).toMatch(/^tg-/);
    expect(rotated.key).not.toBe(old.key);
    expect(rotated.prefix).toBe(`${rotated.key.slice(0, 7)}…`);
    expect(Date.parse(rotated.previousKeyExpiresAt)).toBeGreaterThan(Date.now());

    expect(await status(rotated.key)).toBe(200);
    expect(await status(old.key)).toBe(200);
    expect(await listing(old.key)).toBe(200);
    await sleep(1100);
    const after = await chat(old.key, ask);
    expect(after.status).toBe(401);
    expect((await after.json<Json>()).error.message).toContain('rotated');
    expect(await status(rotated.key)).toBe(200);
    // The model list too: the old secret lists nothing once its grace period is over.
    expect(await listing(old.key)).toBe(401);
    expect(await listing(rotated.key)).toBe(200);

    const row = await env.DB.prepare('SELECT key_hash FROM keys WHERE id = ?')
      .bind(old.id)
      .first<{ key_hash: string }>();
    expect(row?.key_hash).toBe(await sha256Hex(rotated.key));
  });

  it('ends the old secret at once with graceSeconds 0, and defaults to a day', async () => {
    const a = await createKey();
    const now = await (await admin(`/admin/keys/${a.id}/rotate`, 'POST', { graceSeconds: 0 })).json<Json>();
    expect(await status(a.key)).toBe(401);
    expect(await status(now.key)).toBe(200);

    const b = await createKey();
    const later = await (await admin(`/admin/keys/${b.id}/rotate`, 'POST')).json<Json>();
    const grace = Date.parse(later.previousKeyExpiresAt) - Date.now();
    expect(grace).toBeGreaterThan(86_000_000);
    expect(grace).toBeLessThanOrEqual(86_400_000);
  });

  it('tells an old secret past its grace that it was rotated, on the model list as on chat', async () => {
    const key = await createKey();
    await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 0 });
    const headers = { authorization: `Bearer ${key.key}` };
    const chatError = (await (await chat(key.key, ask)).json<Json>()).error;
    for (const path of ['/v1/models', '/v1/models/fast']) {
      const response = await call(path, { headers });
      expect(response.status).toBe(401);
      const { error } = await response.json<Json>();
      expect(error).toEqual(chatError);
      expect(error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
      expect(error.message).toContain('rotated and its grace period has ended');
    }
  });

  it('keeps one budget ledger and one policy across the switch', async () => {
    const key = await createKey({ budget: { usd: 5, period: 'month' }, models: ['fast'] });
    const rotated = await (
      await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 60 })
    ).json<Json>();
    expect(rotated.budget).toMatchObject({ usd: 5, period: 'month' });
    // PATCH and DELETE reach both secrets: the old one follows the new one's policy.
    await admin(`/admin/keys/${key.id}`, 'PATCH', { models: ['smart'] });
    expect(await status(key.key)).toBe(403);
    expect(await status(rotated.key)).toBe(403);
    await admin(`/admin/keys/${key.id}`, 'DELETE');
    expect(await status(key.key)).toBe(401);
    expect(await status(rotated.key)).toBe(401);
    expect((await admin(`/admin/keys/${key.id}/rotate`, 'POST')).status).toBe(409);
  });

  it('carries spend over: the old secret in its grace period charges the same ledger', async () => {
    const { key, before, spend } = await spentBudgetKey(ask);
    const rotated = await (
      await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 60 })
    ).json<Json>();
    expect(rotated.usage.spendUsd).toBeCloseTo(before, 10);
    expect(await status(key.key)).toBe(200);
    const afterOld = await spend();
    expect(afterOld).toBeCloseTo(2 * before, 10);
    expect(await status(rotated.key)).toBe(200);
    expect(await spend()).toBeCloseTo(3 * before, 10);
  });

  it('follows two rotations in a row during overlapping grace periods', async () => {
    const first = await createKey();
    const second = await (
      await admin(`/admin/keys/${first.id}/rotate`, 'POST', { graceSeconds: 60 })
    ).json<Json>();
    const third = await (
      await admin(`/admin/keys/${first.id}/rotate`, 'POST', { graceSeconds: 60 })
    ).json<Json>();
    for (const key of [first.key, second.key, third.key]) expect(await status(key)).toBe(200);
  });

  it("caps every older secret's grace with the latest rotation's: graceSeconds 0 ends them all", async () => {
    const first = await createKey();
    const second = await (
      await admin(`/admin/keys/${first.id}/rotate`, 'POST', { graceSeconds: 60 })
    ).json<Json>();
    expect(await status(first.key)).toBe(200);
    // A leak: rotate again at once. No earlier secret may go on working.
    const third = await (
      await admin(`/admin/keys/${first.id}/rotate`, 'POST', { graceSeconds: 0 })
    ).json<Json>();
    for (const old of [first.key, second.key]) {
      expect(await status(old)).toBe(401);
      expect(await listing(old)).toBe(401);
    }
    expect(await status(third.key)).toBe(200);
  });

  it('follows at most three rotations, for chat and the model list alike, and says so past them', async () => {
    const first = await createKey();
    const secrets = [first.key];
    for (let i = 0; i < 4; i++) {
      const rotated = await admin(`/admin/keys/${first.id}/rotate`, 'POST', { graceSeconds: 60 });
      secrets.push((await rotated.json<Json>()).key);
    }
    const tooOld = await chat(secrets[0]!, ask);
    expect(tooOld.status).toBe(401);
    expect((await tooOld.json<Json>()).error.message).toContain('rotated more than 3 times');
    const tooOldListing = await call('/v1/models', { headers: { authorization: `Bearer ${secrets[0]}` } });
    expect(tooOldListing.status).toBe(401);
    expect((await tooOldListing.json<Json>()).error.message).toContain('rotated more than 3 times');
    for (const secret of secrets.slice(1)) {
      expect(await status(secret)).toBe(200);
      expect(await listing(secret)).toBe(200);
    }
  });

  it('takes an empty body as the defaults (curl -X POST with no data)', async () => {
    const key = await createKey();
    const response = await call(`/admin/keys/${key.id}/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-length': '0' },
      body: '',
    });
    expect(response.status).toBe(200);
    const grace = Date.parse((await response.json<Json>()).previousKeyExpiresAt) - Date.now();
    expect(grace).toBeGreaterThan(86_000_000);
  });

  it('refuses a rotation of a key revoked while it ran (409), its new secret revoked too', async () => {
    const { id, key } = await createKey();
    const before = await getKey(env.DB, id); // what the rotation read
    // Meanwhile a DELETE puts its revocation in force at the key's object; its row write comes later.
    const revokedAt = Date.now();
    await keyStub(env, before!.hash).setPolicy({ ...before!.policy, revokedAt }, revokedAt);
    await expect(rotateKey(env, before!, 60, Date.now())).rejects.toMatchObject({
      status: 409,
      code: 'key_revoked',
    });
    const row = await getKey(env.DB, id);
    expect((await keyStub(env, row!.hash).getPolicy())?.revokedAt).not.toBeNull();
    expect(await status(key)).toBe(401);
    // The DELETE's row write then lands (on the row the rotation moved), and the key stays revoked.
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
    expect((await getKey(env.DB, id))!.policy.revokedAt).not.toBeNull();
    expect((await admin(`/admin/keys/${id}/rotate`, 'POST')).status).toBe(409);
  });

  it('rotates nothing when a PATCH wrote the key after the rotation read it (the rotation reads again)', async () => {
    const { id, key } = await createKey();
    const before = await getKey(env.DB, id); // what the rotation read
    expect((await admin(`/admin/keys/${id}`, 'PATCH', { name: 'renamed' })).status).toBe(200); // meanwhile
    expect(await rotateKey(env, before!, 0, Date.now())).toBeNull();
    const row = await getKey(env.DB, id);
    expect(row!.hash).toBe(before!.hash);
    expect(row!.policy.name).toBe('renamed');
    expect(await status(key)).toBe(200); // graceSeconds 0 would have ended it
  });

  it('passes an admin change that reached the old secret after the hand-over on to the new one', async () => {
    const { id } = await createKey();
    const before = await getKey(env.DB, id); // what a PATCH or DELETE read, just before the rotation
    const rotated = await rotateKey(env, before!, 60, Date.now());
    expect(await status(rotated!.secret)).toBe(200);
    // …and its policy lands at the old secret's object, which has handed over by now.
    await keyStub(env, before!.hash).setPolicy({ ...before!.policy, revokedAt: Date.now() });
    expect(await status(rotated!.secret)).toBe(401);
  });

  it('refuses a rotation whose If-Match names an older state (412), rotating nothing', async () => {
    const old = await createKey();
    const read = await admin(`/admin/keys/${old.id}`);
    const etag = read.headers.get('etag')!;
    const { prefix } = await read.json<Json>();
    const patched = await call(`/admin/keys/${old.id}`, {
      method: 'PATCH',
      headers: { ...adminHeaders, 'if-match': etag },
      body: JSON.stringify({ name: 'renamed' }),
    });
    expect(patched.status).toBe(200);
    const refused = await rotate(old.id, { graceSeconds: 0 }, etag);
    expect(refused.status).toBe(412);
    expect(refused.headers.get('etag')).toBeNull();
    const body = await refused.json<Json>();
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'precondition_failed' });
    expect(body.error.message).toEqual(expect.any(String));
    // Nothing rotated: same secret, same revision, the old secret still works, nothing audited.
    const after = await admin(`/admin/keys/${old.id}`);
    expect(after.headers.get('etag')).toBe(patched.headers.get('etag'));
    expect((await after.json<Json>()).prefix).toBe(prefix);
    expect((await getKey(env.DB, old.id))!.hash).toBe(await sha256Hex(old.key));
    expect(await status(old.key)).toBe(200);
    const audited = await (await admin(`/admin/audit?targetId=${old.id}&action=key.rotate`)).json<Json>();
    expect(audited.data).toHaveLength(0);
  });

  it("rotates with the key's current ETag as If-Match, and answers with the ETag a GET then gives", async () => {
    const old = await createKey();
    const etag = (await admin(`/admin/keys/${old.id}`)).headers.get('etag')!;
    const response = await rotate(old.id, { graceSeconds: 0 }, etag);
    expect(response.status).toBe(200);
    const rotated = await response.json<Json>();
    const tag = response.headers.get('etag');
    expect(tag).toMatch(/^"\d+"$/);
    expect(tag).not.toBe(etag); // the rotation is a new revision
    const read = await admin(`/admin/keys/${old.id}`);
    expect(read.headers.get('etag')).toBe(tag);
    expect((await read.json<Json>()).updatedAt).toBe(rotated.updatedAt);
    expect(await status(rotated.key)).toBe(200);
    expect(await status(old.key)).toBe(401);
    // That ETag is the key's current one: a PATCH sent with it lands.
    const patched = await call(`/admin/keys/${old.id}`, {
      method: 'PATCH',
      headers: { ...adminHeaders, 'if-match': tag! },
      body: JSON.stringify({ name: 'after rotation' }),
    });
    expect(patched.status).toBe(200);
  });

  it('rotates without If-Match as before, still answering with the ETag', async () => {
    const old = await createKey();
    const response = await rotate(old.id, {});
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe((await admin(`/admin/keys/${old.id}`)).headers.get('etag'));
  });

  it('refuses a bad grace period', async () => {
    const key = await createKey();
    expect((await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: -1 })).status).toBe(400);
    expect((await admin(`/admin/keys/${key.id}/rotate`, 'POST', { grace: 5 })).status).toBe(400);
    expect((await admin('/admin/keys/key_nope/rotate', 'POST')).status).toBe(404);
  });
});

describe('last use', () => {
  it('shows when a key was last used, persisted at most once a minute', async () => {
    const key = await createKey();
    expect((await (await admin(`/admin/keys/${key.id}`)).json<Json>()).lastUsedAt).toBeNull();
    const before = Date.now();
    expect(await status(key.key)).toBe(200);
    const shown = await (await admin(`/admin/keys/${key.id}`)).json<Json>();
    expect(Date.parse(shown.lastUsedAt)).toBeGreaterThanOrEqual(before - 1000);

    const stub = env.KEYS.get(env.KEYS.idFromName(await sha256Hex(key.key)));
    const persisted = () => runInDurableObject(stub, (_, state) => state.storage.get<number>('lastUsedAt'));
    const first = await persisted();
    expect(first).toBeGreaterThanOrEqual(before - 1000);
    await status(key.key);
    // The second use within the minute is kept in memory only.
    expect(await persisted()).toBe(first);
    expect(LAST_USED_PERSIST_MS).toBe(60_000);
  });
});
