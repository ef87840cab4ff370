// The client's x-tollgate-cache-ttl against the key's and team's cache TTL (src/cache/policy.ts
// entryTtlSeconds): a TTL an admin set may be shortened per request, never lengthened.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/cache/exact';
import { admin, chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { cachedConfig, stored, upstream } from './harness';

const question = { model: 'gpt', messages: [{ role: 'user', content: 'What is the capital of France?' }] };
const THIRTY_DAYS = 30 * 86_400;

/** The lifetime, in seconds, of the entry the key's first request stores in `namespace`. */
async function storedTtl(key: string, namespace: string, headers: Record<string, string> = {}) {
  upstream(() => 'Paris');
  const response = await chat(key, question, headers);
  expect(response.status).toBe(200);
  expect(response.headers.get('x-tollgate-cache')).toBe('miss');
  await response.text();
  const [kvKey = ''] = await stored(namespace);
  const entry = await env.CACHE.get<CacheEntry>(kvKey, 'json');
  if (!entry) return expect.fail(`no entry under ${kvKey}`);
  // Counted from the write (createdAt is when the request looked the cache up), a moment ago.
  return Math.round((entry.expiresAt - Date.now()) / 1000);
}

async function keyWith(cache?: Record<string, unknown>) {
  const created = await createKey(cache ? { cache } : {});
  return { key: created.key, namespace: `key:${created.id}` };
}

describe('x-tollgate-cache-ttl under a key or team TTL', () => {
  it("stores an answer with the key's TTL when the header asks for longer", async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const { key, namespace } = await keyWith({ ttlSeconds: 60 });
    expect(await storedTtl(key, namespace, { 'x-tollgate-cache-ttl': String(THIRTY_DAYS) })).toBe(60);
  });

  it("honours a header shorter than the key's TTL", async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const { key, namespace } = await keyWith({ ttlSeconds: 60 });
    expect(await storedTtl(key, namespace, { 'x-tollgate-cache-ttl': '30' })).toBe(30);
    const plain = await keyWith({ ttlSeconds: 60 });
    expect(await storedTtl(plain.key, plain.namespace)).toBe(60);
  });

  it("caps the header at the team's TTL for a key that sets none", async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const team = await (
      await admin('/admin/teams', 'POST', { name: 't', cache: { ttlSeconds: 60 } })
    ).json<Json>();
    const { key } = await createKey({ team: team.id });
    expect(await storedTtl(key, `team:${team.id}`, { 'x-tollgate-cache-ttl': '3600' })).toBe(60);
  });

  it("honours the header up to the config's maximum when neither key nor team sets a TTL", async () => {
    expect((await putConfig(cachedConfig({ exact: { ttlSeconds: 60 }, maxTtlSeconds: 7200 }))).status).toBe(
      200,
    );
    const { key, namespace } = await keyWith();
    expect(await storedTtl(key, namespace, { 'x-tollgate-cache-ttl': '7200' })).toBe(7200);
    const response = await chat(key, question, { 'x-tollgate-cache-ttl': '7201' });
    expect(response.status).toBe(400);
    expect((await response.json<Json>()).error).toMatchObject({ param: 'x-tollgate-cache-ttl' });
  });
});
