// The Conversations API's writes are admitted as model requests are: each counts a request against
// the key's RPM and its items' tokens against its TPM, refused with the same 429 and answered with
// the same x-ratelimit-* headers; no allowlist or budget applies; a write that stores nothing gives
// its tokens back; reads and deletions stay unadmitted.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import type { KeyPolicy } from '../../src/keys/policy';
import type { KeyObject } from '../../src/limits/key-object';
import { admin, call, chat, createKey, type Json, putConfig, responses } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { settled } from '../helpers/settled';

async function setup() {
  const response = await putConfig({ providers: { mock: { type: 'mock' } } });
  expect(response.status, await response.clone().text()).toBe(200);
}

function conversations(key: string, path: string, method = 'GET', body?: unknown): Promise<Response> {
  return call(`/v1/conversations${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const say = (content: string) => ({ type: 'message', role: 'user', content });
/** An item the estimate counts at 4 + chars / 4 tokens (3 more for the input it is). */
const sized = (chars: number) => say('x'.repeat(chars));

async function expectRefused(response: Response, limit: 'requests' | 'tokens' | null) {
  expect(response.status).toBe(429);
  const body = await response.json<Json>();
  expectOpenAIShape('ErrorResponse', body);
  expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
  if (limit) {
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.headers.get(`x-ratelimit-limit-${limit}`)).not.toBeNull();
    if (limit === 'requests') expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
  }
  return body.error;
}

describe('conversation writes against the rate limits', () => {
  it('counts each write against RPM, refusing the third of an rpm 2 key with retry-after; reads still answer', async () => {
    await setup();
    const { key } = await createKey({ limits: { rpm: 2 } });
    const made = await conversations(key, '', 'POST', { items: [say('Hi')] });
    expect(made.status).toBe(200);
    expect(made.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(made.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(made.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(ms|s)$/);
    const { id } = await made.json<Json>();
    const added = await conversations(key, `/${id}/items`, 'POST', { items: [say('more')] });
    expect(added.status).toBe(200);
    expect(added.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const item = (await added.json<Json>()).data[0].id;

    const refused = await conversations(key, `/${id}`, 'POST', { metadata: { topic: 'x' } });
    const error = await expectRefused(refused, 'requests');
    expect(error.message).toContain('requests per minute (RPM)');
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('2');
    await expectRefused(await conversations(key, '', 'POST', {}), 'requests');
    await expectRefused(await conversations(key, `/${id}/items`, 'POST', { items: [say('x')] }), 'requests');
    // The same bucket as the key's model requests.
    await expectRefused(await chat(key, { model: 'mock/m', messages: [say('Hi')] }), 'requests');

    // Reads and deletions are not admitted.
    expect((await conversations(key, `/${id}`)).status).toBe(200);
    const listed = await conversations(key, `/${id}/items`);
    expect(listed.status).toBe(200);
    expect((await listed.json<Json>()).data).toHaveLength(2);
    expect(listed.headers.get('x-ratelimit-limit-requests')).toBeNull();
    expect((await conversations(key, `/${id}/items/${item}`)).status).toBe(200);
    expect((await conversations(key, `/${id}/items/${item}`, 'DELETE')).status).toBe(200);
    expect((await conversations(key, `/${id}`, 'DELETE')).status).toBe(200);
  });

  it("counts the items' tokens against TPM, refusing items past the whole limit as too large", async () => {
    await setup();
    const { key } = await createKey({ limits: { tpm: 1000 } });
    const tooLarge = await conversations(key, '', 'POST', { items: [sized(2000), sized(2000)] });
    const error = await expectRefused(tooLarge, null);
    expect(error.param).toBe('items');
    expect(error.message).toContain("more than this key's limit of 1000 tokens per minute");
    expect(tooLarge.headers.get('x-should-retry')).toBe('false');
    expect(tooLarge.headers.get('x-ratelimit-limit-tokens')).toBe('1000');

    // 3 + 4 + 500 tokens: what a Responses request with this input would reserve for it.
    const made = await conversations(key, '', 'POST', { items: [sized(2000)] });
    expect(made.status).toBe(200);
    expect(made.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    const remaining = Number(made.headers.get('x-ratelimit-remaining-tokens'));
    expect(remaining).toBeGreaterThanOrEqual(493);
    expect(remaining).toBeLessThan(500);
    const { id } = await made.json<Json>();
    const refused = await conversations(key, `/${id}/items`, 'POST', { items: [sized(2000)] });
    expect((await expectRefused(refused, 'tokens')).message).toContain('tokens per minute (TPM)');
    expect(Number(refused.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(507);
    // Metadata is no model's input: it takes no tokens.
    expect(
      (await conversations(key, `/${id}`, 'POST', { metadata: { topic: 'x'.repeat(500) } })).status,
    ).toBe(200);
  });

  it('gives back the tokens of a write that stored nothing (an unknown conversation), with the rate headers on its 404', async () => {
    await setup();
    const { key } = await createKey({ limits: { tpm: 1000 } });
    const made = await conversations(key, '', 'POST', {});
    expect(made.status).toBe(200);
    expect(made.headers.get('x-ratelimit-remaining-tokens')).toBe('1000');
    const { id } = await made.json<Json>();
    const missing = await conversations(key, '/conv_nothere/items', 'POST', { items: [sized(2400)] });
    expect(missing.status).toBe(404);
    expect((await missing.json<Json>()).error.code).toBe('conversation_not_found');
    expect(Number(missing.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(400);
    await settled();
    // 607 tokens again: admitted only because the 404's came back.
    const added = await conversations(key, `/${id}/items`, 'POST', { items: [sized(2400)] });
    expect(added.status, await added.clone().text()).toBe(200);
  });

  it('applies no model allowlist and no budget, but refuses a revoked key as before', async () => {
    await setup();
    const { id: keyId, key } = await createKey({
      models: ['mock/only'],
      budget: { usd: 0.000001, period: 'day' },
    });
    const made = await conversations(key, '', 'POST', { items: [say('Hi')] });
    expect(made.status, await made.clone().text()).toBe(200);
    const { id } = await made.json<Json>();
    const usage = (await (await admin(`/admin/keys/${keyId}`)).json<Json>()).usage;
    expect(usage).toMatchObject({ spendUsd: 0, reservedUsd: 0 });

    expect((await admin(`/admin/keys/${keyId}`, 'DELETE')).status).toBe(200);
    for (const [path, body] of [
      ['', {}],
      [`/${id}`, { metadata: {} }],
      [`/${id}/items`, { items: [say('x')] }],
    ] as const) {
      const refused = await conversations(key, path, 'POST', body);
      expect(refused.status, path).toBe(401);
      expect((await refused.json<Json>()).error.code).toBe('invalid_api_key');
    }
  });

  it("admits from the isolate's lease, as a model request, without asking the object", async () => {
    await setup();
    const { key } = await createKey({ limits: { rpm: 1000 }, models: ['mock/only'] });
    // The first write makes the key known here, the second asks for (and gets) a lease.
    for (let i = 0; i < 2; i++) expect((await conversations(key, '', 'POST', {})).status).toBe(200);
    // Revoked at the object alone: only the lease (≤ 1 s) can admit the next write.
    const stub = env.KEYS.get(env.KEYS.idFromName(await sha256Hex(key)));
    await runInDurableObject(stub, async (instance) => {
      const object = instance as unknown as KeyObject;
      const policy = (await object.getPolicy()) as KeyPolicy;
      await object.setPolicy({ ...policy, revokedAt: Date.now() });
    });
    const leased = await conversations(key, '', 'POST', { items: [say('Hi')] });
    expect(leased.status, await leased.clone().text()).toBe(200);
    expect(leased.headers.get('x-ratelimit-limit-requests')).toBe('1000');
  });

  it('counts a Responses request that extends a conversation once', async () => {
    await setup();
    const { key } = await createKey({ limits: { rpm: 3 } });
    const { id } = await (await conversations(key, '', 'POST', {})).json<Json>();
    const answered = await responses(key, { model: 'mock/m', conversation: id, input: 'Hi' });
    expect(answered.status, await answered.clone().text()).toBe(200);
    expect(answered.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect((await conversations(key, `/${id}/items`, 'POST', { items: [say('x')] })).status).toBe(200);
    await expectRefused(await conversations(key, `/${id}/items`, 'POST', { items: [say('y')] }), 'requests');
  });
});
