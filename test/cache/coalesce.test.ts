// Coalescing of identical concurrent misses (src/cache/inflight.ts): requests arriving together share
// one upstream call, and a leader that fails, hangs or is cancelled never leaves its followers
// stuck or failing — they ask for themselves, or, when the leader's client left, one of them leads.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { exactKey } from '../../src/cache/exact';
import { hotForget } from '../../src/cache/hot';
import { claimInflight } from '../../src/cache/inflight';
import { type LookupInput, lookupCache } from '../../src/cache/session';
import { getRuntime } from '../../src/config/store';
import type { ChatRequest } from '../../src/openai/schemas';
import { admin, chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { json, onUpstream, sse } from '../helpers/upstream';
import { answerText, CHAT_URL, cachedConfig, completion, sleep, stored, streamOf } from './harness';

const question = { model: 'gpt', messages: [{ role: 'user', content: 'What is the capital of France?' }] };
const N = 6;

async function setup(extra: Record<string, unknown> = {}) {
  expect((await putConfig(cachedConfig({}, extra))).status).toBe(200);
  return createKey();
}

/** The fake OpenAI, answering call n with `answer(n, signal)`; returns the call count. */
function upstream(answer: (n: number, signal: AbortSignal) => Promise<Response>): () => number {
  let calls = 0;
  onUpstream(CHAT_URL, (request) => answer(++calls, request.signal));
  return () => calls;
}

/** Resolves when `signal` aborts (the gateway's attempt timeout), never on its own. */
const hang = (signal: AbortSignal) =>
  new Promise<Response>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

describe('coalescing identical concurrent misses through the gateway', () => {
  it('sends N requests started at the same instant upstream exactly once', async () => {
    await setup();
    // N keys of one team share its namespace, and their admissions (one Durable Object per key)
    // run side by side: the lookups really do overlap.
    const team = (await (await admin('/admin/teams', 'POST', { name: 'together' })).json<Json>()).id;
    const keys = await Promise.all(Array.from({ length: N }, () => createKey({ team })));
    const calls = upstream(async () => {
      await sleep(30);
      return json(completion('Paris'));
    });
    const responses = await Promise.all(keys.map(({ key }) => chat(key, question)));
    expect(responses.map((r) => r.status)).toEqual(Array(N).fill(200));
    const statuses = responses.map((r) => r.headers.get('x-tollgate-cache')).sort();
    expect(statuses).toEqual(['miss', ...Array(N - 1).fill('hit-exact')].sort());
    const ids = await Promise.all(responses.map(async (r) => (await r.json<Json>()).id));
    expect(new Set(ids).size).toBe(1);
    expect(calls()).toBe(1);
  });

  for (const older of ['a leader', 'a stream'] as const) {
    it(`never lets ${older} that looked before a refresh write over the refreshed answer, in memory or KV`, async () => {
      const { id, key } = await setup();
      upstream(async (n) => {
        if (n > 1) return json(completion('new (regenerated)'));
        await sleep(300);
        return older === 'a stream'
          ? sse(streamOf(['old (looked first)']))
          : json(completion('old (looked first)'));
      });
      const slow = chat(key, { ...question, stream: older === 'a stream' });
      await sleep(50);
      const refreshed = await chat(key, question, { 'x-tollgate-cache': 'refresh' });
      expect(await answerText(refreshed)).toBe('new (regenerated)');
      expect(await answerText(await slow)).toBe('old (looked first)');
      const [kvKey = ''] = await stored(`key:${id}`);
      await sleep(100); // the older answer's write, were it made
      expect(await answerText(await chat(key, question))).toBe('new (regenerated)');
      hotForget(kvKey);
      const fromKv = await chat(key, question);
      expect(fromKv.headers.get('x-tollgate-cache')).toBe('hit-exact');
      expect(await answerText(fromKv)).toBe('new (regenerated)');
    });
  }

  // The refresh answers with an error or with an answer not to keep, before or after the leader.
  for (const [refreshEnds, refreshAnswer] of [
    ['first', 'an error'],
    ['last', 'an answer not to keep'],
  ] as const) {
    it(`stores the leader's answer when a refresh that ends ${refreshEnds} stores nothing (${refreshAnswer})`, async () => {
      const { id, key } = await setup({ retry: { attempts: 0 } });
      const calls = upstream(async (n) => {
        const leader = n === 1;
        await sleep(leader === (refreshEnds === 'first') ? 300 : 50);
        if (leader) return json(completion('Paris (the leader)'));
        if (refreshAnswer === 'an error') return json({ error: { message: 'bad request' } }, 400);
        const filtered = completion('');
        filtered.choices[0]!.finish_reason = 'content_filter';
        return json(filtered);
      });
      const leading = chat(key, question);
      await sleep(20);
      const following = chat(key, question);
      const refreshed = chat(key, question, { 'x-tollgate-cache': 'refresh' });
      expect((await refreshed).status).toBe(refreshAnswer === 'an error' ? 400 : 200);
      expect(await answerText(await leading)).toBe('Paris (the leader)');
      const followed = await following;
      expect(followed.headers.get('x-tollgate-cache')).toBe('hit-exact');
      expect(await answerText(followed)).toBe('Paris (the leader)');
      // Stored after all: later requests hit it, in memory and in KV, with no call upstream.
      const [kvKey = ''] = await stored(`key:${id}`);
      const later = await chat(key, question);
      expect(later.headers.get('x-tollgate-cache')).toBe('hit-exact');
      expect(await answerText(later)).toBe('Paris (the leader)');
      hotForget(kvKey);
      const fromKv = await chat(key, question);
      expect(fromKv.headers.get('x-tollgate-cache')).toBe('hit-exact');
      expect(await answerText(fromKv)).toBe('Paris (the leader)');
      expect(calls()).toBe(2);
    });
  }

  it('keeps followers waiting while the leader retries a slow provider, rather than all going upstream', async () => {
    await setup({ retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 }, timeouts: { requestMs: 300 } });
    const team = (await (await admin('/admin/teams', 'POST', { name: 'patient' })).json<Json>()).id;
    const keys = await Promise.all(Array.from({ length: N }, () => createKey({ team })));
    // The leader's first try hangs until its 300 ms are up; its retry answers.
    const calls = upstream(async (n, signal) => {
      if (n === 1) return hang(signal);
      await sleep(20);
      return json(completion('Paris'));
    });
    const responses = await Promise.all(keys.map(({ key }) => chat(key, question)));
    expect(responses.map((r) => r.status)).toEqual(Array(N).fill(200));
    expect(calls()).toBe(2);
  });

  it('answers the followers of a failing leader with calls of their own, not an error', async () => {
    const { key } = await setup({ retry: { attempts: 0 } });
    const calls = upstream(async (n) => {
      if (n === 1) return json({ error: { message: 'overloaded' } }, 503);
      await sleep(200);
      return json(completion(`Paris #${n}`));
    });
    const responses = await Promise.all(Array.from({ length: N }, () => chat(key, question)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(N - 1).fill(200), 502]);
    const answered = responses.filter((r) => r.status === 200);
    for (const response of answered) {
      expect((await response.json<Json>()).choices[0].message.content).toMatch(/^Paris #\d$/);
    }
    // Each follower looked and asked for itself (one that looked late may find another's answer).
    expect(answered.filter((r) => r.headers.get('x-tollgate-cache') === 'miss').length).toBeGreaterThan(0);
    expect(calls()).toBeGreaterThanOrEqual(2);
    expect(calls()).toBeLessThanOrEqual(N);
  });

  it('answers the followers of a hanging leader within the request timeout', async () => {
    const { key } = await setup({ retry: { attempts: 0 }, timeouts: { requestMs: 400 } });
    const calls = upstream(async (n, signal) => (n === 1 ? hang(signal) : json(completion('Paris'))));
    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: N }, () => chat(key, question)));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(responses.map((r) => r.status).sort()).toEqual([...Array(N - 1).fill(200), 504]);
    // Once the leader's time was up each follower looked and asked for itself (the later ones may
    // find an earlier one's answer already stored).
    expect(calls()).toBeGreaterThanOrEqual(2);
    expect(calls()).toBeLessThanOrEqual(N);
  });
});

describe('coalescing within lookupCache', () => {
  async function lookups(requestMs: number) {
    // No retries: one try is all a request may take, so that is how long followers wait.
    expect(
      (await putConfig(cachedConfig({}, { timeouts: { requestMs }, retry: { attempts: 0 } }))).status,
    ).toBe(200);
    const runtime = await getRuntime(env);
    const { id } = await createKey();
    const body = { ...question, messages: [{ role: 'user', content: crypto.randomUUID() }] } as ChatRequest;
    const waits: Promise<unknown>[] = [];
    const input = (signal?: AbortSignal): LookupInput => ({
      env,
      ctx: { waitUntil: (p) => void waits.push(p) },
      runtime,
      route: runtime.resolve('gpt')!,
      request: {},
      body,
      control: { mode: 'default' },
      key: { id, teamId: null },
      policy: undefined,
      ...(signal ? { signal } : {}),
    });
    return { input, waits };
  }

  it('holds followers of a leader that never settles (cancelled) for the timeout at most', async () => {
    const { input } = await lookups(300);
    const leader = await lookupCache(input());
    expect(leader.status).toBe('miss'); // …and never saves nor abandons: its request is gone
    const started = Date.now();
    const follower = await lookupCache(input());
    const waited = Date.now() - started;
    expect(follower.status).toBe('miss');
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2_000);
    // Past that, the dead leader's claim no longer counts: the next request leads at once.
    const next = Date.now();
    const third = await lookupCache(input());
    expect(third.status).toBe('miss');
    expect(Date.now() - next).toBeLessThan(250);
    third.abandon();
  });

  it('stops waiting when the follower itself is cancelled', async () => {
    const { input } = await lookups(10_000);
    const leader = await lookupCache(input());
    const controller = new AbortController();
    const started = Date.now();
    const follower = lookupCache(input(controller.signal));
    await sleep(20);
    controller.abort();
    // Nothing looked up or shared for a client that left (the route answers it client_closed).
    expect((await follower).status).toBe('skip');
    expect(Date.now() - started).toBeLessThan(1_000);
    leader.abandon();
  });

  it("hands the key to one follower as soon as the leader's client hangs up; the rest follow it", async () => {
    const { input, waits } = await lookups(10_000);
    const controller = new AbortController();
    const leader = await lookupCache(input(controller.signal));
    expect(leader.status).toBe('miss');
    const started = Date.now();
    const followers = [lookupCache(input()), lookupCache(input()), lookupCache(input())];
    const settled: string[] = [];
    for (const [i, follower] of followers.entries())
      void follower.then((l) => settled.push(`${i}:${l.status}`));
    await sleep(20);
    controller.abort();
    // One follower leads now (a miss: it goes upstream); the other two wait for its answer.
    for (let i = 0; i < 200 && settled.length === 0; i++) await sleep(5);
    await sleep(30);
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatch(/:miss$/);
    expect(Date.now() - started).toBeLessThan(1_000);
    const next = await followers[Number(settled[0]!.split(':')[0])]!;
    next.saveJson(completion('Paris') as Json, { provider: 'openai', model: 'gpt-4o-mini' });
    const statuses = (await Promise.all(followers)).map((l) => l.status);
    expect(statuses.sort()).toEqual(['hit-exact', 'hit-exact', 'miss']);
    await Promise.all(waits);
  });

  it('leaves each follower to ask for itself when the leader failed (no chain of waits)', async () => {
    const { input } = await lookups(10_000);
    const leader = await lookupCache(input());
    const followers = [lookupCache(input()), lookupCache(input())];
    await sleep(20);
    leader.abandon(); // failed upstream, its client still there
    expect((await Promise.all(followers)).map((l) => l.status)).toEqual(['miss', 'miss']);
  });

  it("hands followers the leader's answer as a copy of plain data", async () => {
    const { input, waits } = await lookups(10_000);
    const leader = await lookupCache(input());
    const followers = [lookupCache(input()), lookupCache(input())];
    await sleep(10);
    const answer = completion('Paris') as Json;
    leader.saveJson(answer, { provider: 'openai', model: 'gpt-4o-mini' });
    answer.choices[0].message.content = 'changed after the answer was handed on';
    const [a, b] = await Promise.all(followers);
    expect([a!.status, b!.status]).toEqual(['hit-exact', 'hit-exact']);
    const texts = await Promise.all(
      [a!, b!].map(
        async (hit) => (await hit.respond!(new Headers(), () => {}).json<Json>()).choices[0].message.content,
      ),
    );
    expect(texts).toEqual(['Paris', 'Paris']);
    await Promise.all(waits);
  });

  it('claims synchronously: of two claims made back to back, only the first leads', () => {
    const key = exactKey('key:unit', crypto.randomUUID());
    const options = { read: true, wait: true, maxWaitMs: 1_000, now: Date.now() };
    const first = claimInflight(key, options);
    const second = claimInflight(key, options);
    expect([first.role, second.role]).toEqual(['lead', 'follow']);
    if (first.role === 'lead') first.finish(undefined);
    expect(claimInflight(key, options).role).toBe('lead');
  });
});
