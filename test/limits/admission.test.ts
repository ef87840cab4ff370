import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import { GatewayError } from '../../src/errors';
import { admit } from '../../src/limits/admission';
import type { AdmitRequest } from '../../src/limits/admit-rpc';
import type { KeyObject } from '../../src/limits/key-object';
import { BOOK_AFTER_MS } from '../../src/limits/lease-draw';
import { formatDuration } from '../../src/limits/rate-headers';
import type { SettleRequest } from '../../src/limits/settle-batch';
import { CHAT_URL, completion, sleep, upstream } from '../cache/harness';
import { admin, call, chat, createKey, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { settled } from '../helpers/settled';
import { json, onUpstream } from '../helpers/upstream';

const ask = { model: 'fast', messages: [{ role: 'user', content: 'x' }] };
/** A model with a price (the mock provider's are zero), so that a budget has something to reserve. */
const priced = { model: 'gpt', messages: [{ role: 'user', content: 'x' }] };

/** Makes every key and team object fail the way Durable Objects do, until `restore`. */
const bindings = env.KEYS as unknown as { get: unknown };
const realGet = bindings.get;
function objectsFail(error: Error) {
  const failing = () => Promise.reject(error);
  bindings.get = (id: DurableObjectId) => ({
    id,
    admit: failing,
    readPolicy: failing,
    settle: failing,
    settleMany: failing,
    returnLease: failing,
  });
}
afterEach(() => {
  bindings.get = realGet;
});

describe('admission when the objects cannot answer', () => {
  it('refuses with a 503 to retry (fails closed), saying when the object is overloaded', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { key } = await createKey({ limits: { rpm: 1000 } });
    objectsFail(
      Object.assign(new Error('Durable Object is overloaded. Too many requests queued.'), {
        overloaded: true,
      }),
    );
    const overloaded = await chat(key, ask);
    expect(overloaded.status).toBe(503);
    expect(overloaded.headers.get('retry-after')).toBe('1');
    const body = await overloaded.json<Json>();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({ type: 'api_error', code: 'limits_overloaded' });

    objectsFail(new Error('Network connection lost.'));
    const lost = await chat(key, ask);
    expect(lost.status).toBe(503);
    expect((await lost.json<Json>()).error.code).toBe('limits_unavailable');
    const models = await call('/v1/models', { headers: { authorization: `Bearer ${key}` } });
    expect(models.status).toBe(503);
    expect((await models.json<Json>()).error.code).toBe('limits_unavailable');
  });

  it('serves a request from the lease when the renewal it asked for cannot be made', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { key } = await createKey({ limits: { rpm: 1000 } }); // leases of 10 requests
    // The second request takes a lease; eight more leave a fifth of it, so the next one asks again.
    for (let i = 0; i < 10; i++) {
      const response = await chat(key, ask);
      expect(response.status).toBe(200);
      await response.text();
    }
    objectsFail(new Error('Network connection lost.'));
    for (let i = 0; i < 2; i++) {
      const response = await chat(key, ask); // the renewal fails; what the lease holds still serves
      expect(response.status).toBe(200);
      await response.text();
    }
    const spent = await chat(key, ask); // nothing left: only the object could admit it
    expect(spent.status).toBe(503);
    await spent.text();
  });

  it('ends the lease when the renewal is refused (the key was revoked elsewhere)', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { key } = await createKey({ limits: { rpm: 1000 } });
    for (let i = 0; i < 10; i++) await (await chat(key, ask)).text(); // a lease, down to a fifth
    const revoked = () => Promise.resolve({ ok: false, reason: 'revoked' });
    const returned: unknown[] = [];
    bindings.get = () => ({
      admit: revoked,
      returnLease: (share: unknown) => Promise.resolve(returned.push(share)),
    });
    const refused = await chat(key, ask);
    expect(refused.status).toBe(401);
    await refused.text();
    expect(returned).toEqual([expect.objectContaining({ requests: 2 })]); // what was left went back
    // Nothing of the lease serves on: the next request needs the object.
    objectsFail(new Error('Network connection lost.'));
    const next = await chat(key, ask);
    expect(next.status).toBe(503);
    await next.text();
  });

  it('ends the lease of a key whose reservation could not be made, and admits again once the object is back', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    upstream(() => 'Paris');
    // $0.20 is too little for a lease to hold a budget share: each request going upstream reserves at the object.
    const { key } = await createKey({ limits: { rpm: 1000 }, budget: { usd: 0.2, period: 'month' } });
    for (let i = 0; i < 2; i++) expect((await chat(key, priced)).status).toBe(200); // the second takes a lease
    objectsFail(new Error('Network connection lost.'));
    const failed = await chat(key, priced); // leased, so only the budget reservation meets the failure
    expect(failed.status).toBe(503);
    await failed.text();
    bindings.get = realGet;
    const back = await chat(key, priced);
    expect(back.status).toBe(200);
  });

  it("serves a long request drawn from the lease's budget share when its booking fails, ends the lease, and still charges it", async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    let delay = 0;
    onUpstream(CHAT_URL, async () => {
      if (delay) await sleep(delay);
      return json(completion('Paris')); // $0.00045 a request
    });
    const { id, key } = await createKey({ limits: { rpm: 1000 }, budget: { usd: 10, period: 'month' } });
    for (let i = 0; i < 2; i++) expect((await chat(key, priced)).status).toBe(200);
    const calls: string[] = [];
    const record = <T>(method: string, call: () => T) => {
      calls.push(method);
      return call();
    };
    bindings.get = (objectId: DurableObjectId) => {
      const real = (realGet as (id: DurableObjectId) => DurableObjectStub<KeyObject>).call(
        env.KEYS,
        objectId,
      );
      return {
        id: real.id,
        admit: (r: AdmitRequest) => record('admit', () => real.admit(r)),
        settle: (r: SettleRequest) => record('settle', () => real.settle(r)),
        // One entry per request settled: an isolate may settle several in one call.
        settleMany: (r: SettleRequest[]) => {
          for (let i = 1; i < r.length; i++) calls.push('settle');
          return record('settle', () => real.settleMany(r));
        },
        returnLease: (...a: Parameters<KeyObject['returnLease']>) => real.returnLease(...a),
        drawLease: () => record('drawLease', () => Promise.reject(new Error('Network connection lost.'))),
      };
    };
    delay = BOOK_AFTER_MS + 200; // still running when its draw is to be booked
    const served = await chat(key, priced);
    expect(served.status).toBe(200);
    await served.text();
    delay = 0;
    const next = await chat(key, priced); // the lease ended with the failed booking
    expect(next.status).toBe(200);
    await next.text();
    await settled();
    // The long request's settle follows its booking on the same stub; the next one's is batched.
    expect(calls).toEqual(['drawLease', 'settle', 'admit', 'settle']);
    bindings.get = realGet;
    // The share reserved it meanwhile; settle charged it; no reservation of it was left behind.
    const usage = (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage;
    expect(usage.spendUsd).toBeCloseTo(4 * 0.00045, 10);
    expect(usage.reservedUsd).toBe(0);
  });
});

describe('a refusal names the refused key for its log row', () => {
  const request = (model = 'fast'): AdmitRequest => ({
    model,
    tokens: 10,
    costUsd: 0,
    reservationId: crypto.randomUUID(),
    reservationTtlMs: 60_000,
    defaults: {},
  });
  const refusedBy = async (key: string, asked: AdmitRequest) => {
    const error = await admit(env, { waitUntil: () => {} }, await sha256Hex(key), asked).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof GatewayError)) throw new Error(`not refused: ${String(error)}`);
    return error;
  };

  it('names the key and its team; says there is none for an unknown key, so nothing is looked up', async () => {
    const created = await admin('/admin/teams', 'POST', { name: 'named' });
    const team = (await created.json<Json>()).id;
    const { id, key } = await createKey({ models: ['fast'], team });
    const wrongModel = await refusedBy(key, request('other'));
    expect(wrongModel).toMatchObject({ status: 403, refusedKey: { id, teamId: team } });
    const unknown = await refusedBy(`tg-${'Z'.repeat(32)}`, request());
    expect(unknown.status).toBe(401);
    expect(unknown.refusedKey).toBeNull();
  });
});

describe('what an admission says about budgets', () => {
  it('has a deadline when the key or its team has a budget (its reservation expires), else none', async () => {
    const asked = (): AdmitRequest => ({
      model: 'fast',
      tokens: 10,
      costUsd: 0,
      reservationId: crypto.randomUUID(),
      reservationTtlMs: 60_000,
      defaults: {},
    });
    const deadlineOf = async (key: string) => {
      const before = Date.now();
      const { deadline } = await admit(env, { waitUntil: () => {} }, await sha256Hex(key), asked());
      // answerDeadline: the reservation's TTL from admission, less the settle's margin (6 s of 60).
      return deadline === undefined ? undefined : deadline - before;
    };
    expect(await deadlineOf((await createKey()).key)).toBeUndefined();
    const ofKey = await deadlineOf((await createKey({ budget: { usd: 5, period: 'month' } })).key);
    expect(ofKey).toBeGreaterThanOrEqual(54_000);
    expect(ofKey).toBeLessThan(54_000 + 1_000);
    const team = (
      await (
        await admin('/admin/teams', 'POST', { name: 'funded', budget: { usd: 5, period: 'month' } })
      ).json<Json>()
    ).id;
    expect(await deadlineOf((await createKey({ team })).key)).toBeGreaterThanOrEqual(54_000);
  });
});

describe('refusals the client should not simply retry', () => {
  it("tells OpenAI's SDKs not to retry a request too large for the TPM limit (waiting cannot help)", async () => {
    const { key } = await createKey({ limits: { tpm: 1000 } });
    const response = await chat(key, ask); // no max_tokens: it reserves the default, past 1,000
    expect(response.status).toBe(429);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(response.headers.get('retry-after')).toBeNull();
    const body = await response.json<Json>();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({ code: 'rate_limit_exceeded', param: 'max_tokens' });
    // It sent no max_tokens: the message says where the reserved tokens came from.
    expect(body.error.message).toContain('limits.defaultMaxTokens');
  });

  it('refuses a request that can never fit the TPM limit as such even when the RPM bucket is empty', async () => {
    const { key } = await createKey({ limits: { rpm: 1, tpm: 1000 } });
    const first = await chat(key, { ...ask, max_tokens: 5 });
    expect(first.status).toBe(200);
    await first.text();
    // Waiting a minute for the request slot would only end in the same refusal.
    const response = await chat(key, { ...ask, max_tokens: 5000 });
    expect(response.status).toBe(429);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(response.headers.get('retry-after')).toBeNull();
    const body = await response.json<Json>();
    expect(body.error).toMatchObject({ code: 'rate_limit_exceeded', param: 'max_tokens' });
    expect(body.error.message).toMatch(/^Request too large/);
  });

  it("refuses a request that can never fit its team's TPM limit as such when the key's RPM bucket is empty", async () => {
    const created = await admin('/admin/teams', 'POST', { name: 'tight', limits: { tpm: 1000 } });
    const team = (await created.json<Json>()).id;
    const { key } = await createKey({ team, limits: { rpm: 1 } });
    const first = await chat(key, { ...ask, max_tokens: 5 });
    expect(first.status).toBe(200);
    await first.text();
    await settled();
    const response = await chat(key, { ...ask, max_tokens: 5000 });
    expect(response.status).toBe(429);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(response.headers.get('retry-after')).toBeNull();
    expect((await response.json<Json>()).error.message).toMatch(/team's limit of 1000 tokens per minute/);
  });

  it("gives a key's request slot back when its team refuses the request", async () => {
    const created = await admin('/admin/teams', 'POST', { name: 'slots', models: ['smart'] });
    const team = (await created.json<Json>()).id;
    const { key } = await createKey({ team, limits: { rpm: 2 } });
    for (let i = 0; i < 3; i++) {
      const refused = await chat(key, ask); // fast: outside the team's allowlist
      expect(refused.status).toBe(403);
      await refused.text();
      await settled();
    }
    // Three refusals took none of the key's two requests a minute.
    const served = await chat(key, { ...ask, model: 'smart' });
    expect(served.status).toBe(200);
  });

  it("says it is the team's allowlist that refuses a model the key itself allows", async () => {
    const created = await admin('/admin/teams', 'POST', { name: 'narrow', models: ['smart'] });
    const team = (await created.json<Json>()).id;
    const { key } = await createKey({ models: ['fast', 'smart'], team });
    const response = await chat(key, ask);
    expect(response.status).toBe(403);
    const body = await response.json<Json>();
    expect(body.error.code).toBe('model_not_allowed');
    expect(body.error.message).toContain("team's model allowlist");
  });
});

describe('formatDuration (x-ratelimit-reset-*, as OpenAI writes them)', () => {
  it('writes milliseconds, seconds, minutes and hours', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(6_000)).toBe('6s');
    expect(formatDuration(360_000)).toBe('6m0s');
    expect(formatDuration(5_400_000)).toBe('1h30m0s');
  });
});
