// Budget alerts pushed from the key's (or team's) object: once per crossing per period, signed,
// off the requests' path.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { AdmitRequest } from '../../src/limits/admit-rpc';
import type { KeyObject } from '../../src/limits/key-object';
import { chat, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { keyPolicy as policy } from '../helpers/key-policy';
import { settled } from '../helpers/settled';
import { chatCompletion, json, onUpstream, type RecordedRequest, recorded } from '../helpers/upstream';

const HOOK = 'https://hooks.test/tollgate';
const SECRET = 'whsec-test';
const alerts = { webhookUrl: HOOK, secret: SECRET };
const DAY = 86_400_000;
const budget = { usd: 1, period: 'day' as const, alertAt: 0.5 };

const sentToHook = () => recorded.filter((r) => r.url === HOOK);

async function configured(extra: Record<string, unknown> = {}): Promise<void> {
  const response = await putConfig(openaiConfig(extra));
  expect(response.status, await response.clone().text()).toBe(200);
}

/** The receiver's check: the hex HMAC-SHA256 of the raw body, with the shared secret. */
async function verified(request: RecordedRequest): Promise<boolean> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const hex = request.headers.get('x-tollgate-signature') ?? '';
  const mac = new Uint8Array(hex.match(/../g)?.map((byte) => Number.parseInt(byte, 16)) ?? []);
  return crypto.subtle.verify('HMAC', key, mac, encoder.encode(JSON.stringify(request.body)));
}

let sequence = 0;
const admit = (costUsd: number): AdmitRequest => ({
  model: 'm',
  tokens: 1,
  costUsd,
  reservationId: `alert-r${++sequence}`,
  reservationTtlMs: 60_000,
  defaults: {},
});

function inObject(name: string, run: (object: KeyObject) => Promise<void>) {
  const stub = env.KEYS.get(env.KEYS.idFromName(name));
  return runInDurableObject(stub, (instance) => run(instance as unknown as KeyObject));
}

/** Admitted and settled at `now` for `usd`. */
function spend(object: KeyObject, usd: number, now: number): void {
  const request = admit(usd);
  expect(object.admitAt(request, now)).toMatchObject({ ok: true });
  object.settleAt(
    { reservationId: request.reservationId, reservedTokens: 1, usedTokens: 1, costUsd: usd },
    now,
  );
}

const hookCalls = (count: number) =>
  vi.waitFor(() => expect(sentToHook()).toHaveLength(count), { timeout: 3000 });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('budget alert webhook', () => {
  it('sends one signed event when spend crosses alertAt, none after it, one again in a new period', async () => {
    await configured({ alerts });
    onUpstream(HOOK, () => new Response(null, { status: 204 }));
    const day1 = Date.parse('2026-11-22T10:00:00Z');
    await inObject('alert-once', async (object) => {
      await object.setPolicy(policy({ id: 'key_alert', name: 'billing bot', budget }));
      spend(object, 0.3, day1);
      spend(object, 0.3, day1 + 1); // crosses $0.50
      await hookCalls(1);
      spend(object, 0.1, day1 + 2); // past it already
      spend(object, 0.6, day1 + DAY); // the next day: crosses again
      await hookCalls(2);
      await pause(50);
    });
    const [first, second] = sentToHook() as [RecordedRequest, RecordedRequest];
    expect(sentToHook()).toHaveLength(2);
    expect(first.method).toBe('POST');
    expect(await verified(first)).toBe(true);
    expect(Number(first.headers.get('x-tollgate-timestamp'))).toBeGreaterThan(0);
    expect(first.body).toEqual({
      type: 'budget.alert',
      at: '2026-11-22T10:00:00.001Z',
      key: { id: 'key_alert', name: 'billing bot' },
      budget: {
        usd: 1,
        period: 'day',
        periodStart: '2026-11-22T00:00:00.000Z',
        periodEnd: '2026-11-23T00:00:00.000Z',
        alertAt: 0.5,
      },
      spendUsd: 0.6,
    });
    expect(second.body).toMatchObject({
      type: 'budget.alert',
      budget: { periodStart: '2026-11-23T00:00:00.000Z' },
      spendUsd: 0.6,
    });
    expect(await verified(second)).toBe(true);
  });

  it('sends the alert a lowered budget records at once, as the spend already passes it', async () => {
    await configured({ alerts });
    onUpstream(HOOK, () => new Response(null, { status: 204 }));
    await inObject('alert-lowered', async (object) => {
      await object.setPolicy(policy({ id: 'key_lowered', name: 'lowered', budget }));
      spend(object, 0.4, Date.now()); // under $0.50
      await pause(50);
      expect(sentToHook()).toHaveLength(0);
      await object.setPolicy(policy({ id: 'key_lowered', name: 'lowered', budget: { ...budget, usd: 0.6 } }));
      await hookCalls(1);
      await object.setPolicy(policy({ id: 'key_lowered', name: 'lowered', budget: { ...budget, usd: 0.5 } }));
      await pause(50);
    });
    expect(sentToHook()).toHaveLength(1);
    expect(sentToHook()[0]?.body).toMatchObject({
      type: 'budget.alert',
      key: { id: 'key_lowered' },
      budget: { usd: 0.6, alertAt: 0.5 },
      spendUsd: 0.4,
    });
  });

  it('sends budget.exhausted for the first request refused for the budget in a period, once', async () => {
    await configured({ alerts });
    onUpstream(HOOK, () => new Response(null, { status: 204 }));
    await inObject('alert-exhausted', async (object) => {
      await object.setPolicy(policy({ id: 'key_spent', name: 'spender', budget }));
      spend(object, 0.9, Date.now());
      await hookCalls(1);
      for (let i = 0; i < 3; i++)
        expect(await object.admit(admit(0.5))).toMatchObject({ ok: false, reason: 'budget_exceeded' });
      await hookCalls(2);
      await pause(50);
    });
    const [alert, exhausted] = sentToHook() as [RecordedRequest, RecordedRequest];
    expect(sentToHook()).toHaveLength(2);
    expect(alert.body).toMatchObject({ type: 'budget.alert' });
    expect(exhausted.body).toMatchObject({
      type: 'budget.exhausted',
      key: { id: 'key_spent', name: 'spender' },
      budget: { usd: 1, period: 'day', alertAt: 0.5 },
      spendUsd: 0.9,
    });
    expect(await verified(exhausted)).toBe(true);
  });

  it('sends budget.exhausted again when a raised budget runs out again in the same period', async () => {
    await configured({ alerts });
    onUpstream(HOOK, () => new Response(null, { status: 204 }));
    const total = { usd: 1, period: 'total' as const, alertAt: 0.5 };
    await inObject('alert-raised', async (object) => {
      await object.setPolicy(policy({ id: 'key_raised', name: 'topped up', budget: total }));
      spend(object, 0.9, Date.now());
      expect(await object.admit(admit(0.5))).toMatchObject({ ok: false, reason: 'budget_exceeded' });
      await hookCalls(2);
      // Topped up: $2, whose alert ($1) the $0.90 spent does not reach.
      await object.setPolicy(policy({ id: 'key_raised', name: 'topped up', budget: { ...total, usd: 2 } }));
      spend(object, 1, Date.now());
      await hookCalls(3);
      expect(await object.admit(admit(0.5))).toMatchObject({ ok: false, reason: 'budget_exceeded' });
      await hookCalls(4);
      await pause(50);
    });
    expect(sentToHook().map((r) => (r.body as Json).type)).toEqual([
      'budget.alert',
      'budget.exhausted',
      'budget.alert',
      'budget.exhausted',
    ]);
    expect(sentToHook()[3]?.body).toMatchObject({ budget: { usd: 2, period: 'total' }, spendUsd: 1.9 });
  });

  it("names a team's budget as the team's", async () => {
    await configured({ alerts });
    onUpstream(HOOK, () => new Response(null, { status: 204 }));
    await inObject('team:alert-team', async (object) => {
      await object.setPolicy(policy({ kind: 'team', id: 'team_a', name: 'research', budget }));
      spend(object, 0.9, Date.parse('2026-11-22T10:00:00Z'));
      await hookCalls(1);
    });
    expect(sentToHook()[0]?.body).toMatchObject({ team: { id: 'team_a', name: 'research' } });
    expect(sentToHook()[0]?.body).not.toHaveProperty('key');
  });

  it('sends nothing without a webhook configured, and does once one is', async () => {
    await configured();
    onUpstream(HOOK, () => new Response(null, { status: 204 }));
    const day1 = Date.parse('2026-11-22T10:00:00Z');
    await inObject('alert-unconfigured', async (object) => {
      await object.setPolicy(policy({ budget }));
      spend(object, 0.9, day1);
      await pause(200);
      expect(sentToHook()).toHaveLength(0);
      await configured({ alerts });
      spend(object, 0.9, day1 + DAY);
      await hookCalls(1);
    });
  });

  it('retries a failed delivery, then gives up, while requests are answered as ever', async () => {
    await configured({
      alerts,
      pricing: { 'openai/gpt-4o-mini': { inputPerMTok: 0, outputPerMTok: 100_000 } },
    });
    const sentAt: number[] = [];
    onUpstream(HOOK, () => {
      sentAt.push(Date.now());
      return json({ error: 'down' }, 500);
    });
    onUpstream(`${OPENAI_URL}/chat/completions`, (_, request) => {
      const max = (request.body as Json).max_tokens as number;
      return json(
        chatCompletion('hi', { prompt_tokens: 0, completion_tokens: max - 1, total_tokens: max - 1 }),
      );
    });
    const { key } = await createKey({ budget });
    // $0.10 a token: 6 tokens written ($0.60) cross the alert at $0.50.
    const first = await chat(key, {
      model: 'gpt',
      max_tokens: 7,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(first.status).toBe(200);
    await settled();
    const second = await chat(key, {
      model: 'gpt',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(second.status).toBe(200);
    await vi.waitFor(() => expect(sentToHook()).toHaveLength(4), { timeout: 8000 });
    await pause(1200);
    expect(sentToHook()).toHaveLength(4);
    expect(sentAt[3]! - sentAt[0]!).toBeGreaterThanOrEqual(3000); // 0.5 + 1 + 2 s of backoff
  });
});
