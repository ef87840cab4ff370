import { describe, expect, it } from 'vitest';
import {
  type Budget,
  type BudgetState,
  budgetStateSchema,
  current,
  drawFromLease,
  emptyState,
  expire,
  HISTORY_DAYS,
  leaseShare,
  periodBounds,
  releaseFromLease,
  reserve,
  reservedUsd,
  settle,
} from '../../src/limits/budget';
import { audioUseOf } from '../../src/limits/estimate';
import type { ChatRequest } from '../../src/openai/schemas';
import { costOf, priceOf, worstCaseCost } from '../../src/pricing/cost';

const at = (iso: string) => Date.parse(iso);

describe('budget periods (UTC)', () => {
  it('aligns days, Monday weeks and months to the calendar', () => {
    const now = at('2026-11-22T15:30:00Z'); // a Sunday
    expect(periodBounds({ period: 'day' }, now)).toEqual({
      start: at('2026-11-22T00:00:00Z'),
      end: at('2026-11-23T00:00:00Z'),
    });
    expect(periodBounds({ period: 'week' }, now)).toEqual({
      start: at('2026-11-16T00:00:00Z'),
      end: at('2026-11-23T00:00:00Z'),
    });
    expect(periodBounds({ period: 'month' }, now)).toEqual({
      start: at('2026-11-01T00:00:00Z'),
      end: at('2026-12-01T00:00:00Z'),
    });
    expect(periodBounds({ period: 'total' }, now)).toEqual({ start: 0, end: Number.POSITIVE_INFINITY });
  });

  it('rolls over exactly at the boundary', () => {
    expect(periodBounds({ period: 'month' }, at('2026-12-01T00:00:00Z')).start).toBe(
      at('2026-12-01T00:00:00Z'),
    );
    expect(periodBounds({ period: 'month' }, at('2026-11-30T23:59:59.999Z')).start).toBe(
      at('2026-11-01T00:00:00Z'),
    );
    expect(periodBounds({ period: 'week' }, at('2026-11-23T00:00:00Z')).start).toBe(
      at('2026-11-23T00:00:00Z'),
    );
  });

  it('cuts months from a start in the years 0–99 as from any other (Date.UTC reads them as 19xx)', () => {
    const anchor = at('0050-01-31T00:00:00Z');
    expect(periodBounds({ period: 'month', anchor }, at('0050-02-10T00:00:00Z'))).toEqual({
      start: anchor,
      end: at('0050-02-28T00:00:00Z'),
    });
    expect(periodBounds({ period: 'month', anchor }, at('2026-11-22T00:00:00Z'))).toEqual({
      start: at('2026-10-31T00:00:00Z'),
      end: at('2026-11-30T00:00:00Z'),
    });
    // Read as 1950, the start sent the search ~23,000 months astray on every admission (~12 ms
    // each); a bound a hundred times looser than the fix needs, and fifty times tighter than that.
    const started = performance.now();
    for (let i = 0; i < 100; i++) periodBounds({ period: 'month', anchor }, at('2026-11-22T00:00:00Z') + i);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('supports a fixed window start, clamping month ends', () => {
    const anchor = at('2026-01-31T12:00:00Z');
    expect(periodBounds({ period: 'month', anchor }, at('2026-02-15T00:00:00Z'))).toEqual({
      start: at('2026-01-31T12:00:00Z'),
      end: at('2026-02-28T12:00:00Z'),
    });
    expect(periodBounds({ period: 'month', anchor }, at('2026-03-01T00:00:00Z')).start).toBe(
      at('2026-02-28T12:00:00Z'),
    );
    expect(
      periodBounds({ period: 'day', anchor: at('2026-11-01T09:00:00Z') }, at('2026-11-22T08:00:00Z')).start,
    ).toBe(at('2026-11-21T09:00:00Z'));
  });
});

describe('budget ledger', () => {
  const budget = { usd: 1, period: 'day' as const };

  it('counts reservations and spend against the cap, exactly at the edge', () => {
    let state = emptyState(0);
    for (const id of ['a', 'b', 'c']) {
      const result = reserve(state, budget, { id, usd: 0.1 + 0.2, expiresAt: 100 });
      expect(result.ok).toBe(true);
      state = result.state;
    }
    expect(reserve(state, budget, { id: 'd', usd: 0.1, expiresAt: 100 }).ok).toBe(true);
    expect(reserve(state, budget, { id: 'd', usd: 0.11, expiresAt: 100 }).ok).toBe(false);
    state = settle(state, budget, 'a', 0.05, 1);
    expect(state.spentUsd).toBe(0.05);
    expect(state.reservations.map((r) => r.id)).toEqual(['b', 'c']);
  });

  it('records the alert when spend lands exactly on alertAt (0.8 × $6 is 4.800000000000001 in binary)', () => {
    const six = { usd: 6, period: 'total' as const };
    let state = settle(emptyState(0), six, 'a', 2.4, 1);
    expect(state.alertedAt).toBeNull();
    state = settle(state, six, 'b', 2.4, 2);
    expect(state.spentUsd).toBe(4.8);
    expect(state.alertedAt).toBe(2);
  });

  it('refuses a reservation that is not a number, which stored would admit everything after it', () => {
    const budget = { usd: 1, period: 'month' as const };
    const state = emptyState(0);
    for (const usd of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      expect(reserve(state, budget, { id: 'r', usd, expiresAt: 10 }).ok).toBe(false);
    }
    expect(reserve(state, budget, { id: 'r', usd: 0.5, expiresAt: 10 }).ok).toBe(true);
  });

  it('expires stale reservations and keeps open ones across a new period', () => {
    const state = {
      ...emptyState(0),
      reservations: [
        { id: 'old', usd: 0.5, expiresAt: 10 },
        { id: 'new', usd: 0.2, expiresAt: 99 },
      ],
    };
    expect(expire(state, 50).reservations.map((r) => r.id)).toEqual(['new']);
    const next = current({ ...state, spentUsd: 0.9 }, budget, 86_400_000);
    expect(next).toMatchObject({ periodStart: 86_400_000, spentUsd: 0 });
    expect(next.reservations).toHaveLength(2);
  });
});

describe("a budget's period or start changed (not a rollover)", () => {
  /** Charges `usd` at `iso` to the ledger as the object does: brought to the budget's period, then settled. */
  const charge = (state: BudgetState | undefined, budget: Budget, usd: number, iso: string) =>
    settle(current(state, budget, at(iso)), budget, 'r', usd, at(iso));
  const admits = (state: BudgetState, budget: Budget, usd: number) =>
    reserve(state, budget, { id: 'x', usd, expiresAt: Number.POSITIVE_INFINITY }).ok;
  const now = '2026-11-22T10:00:00Z'; // a Sunday: its week started on Monday the 16th

  it('keeps a total budget spent through a change to day and back: it cannot be spent twice', () => {
    const total = { usd: 1, period: 'total' as const };
    let state = charge(undefined, total, 0.6, '2026-11-01T12:00:00Z');
    state = charge(state, total, 0.4, '2026-11-20T12:00:00Z');
    expect(admits(current(state, total, at(now)), total, 0.01)).toBe(false);

    const day = { ...total, period: 'day' as const };
    const daily = current(state, day, at(now));
    expect(daily).toMatchObject({ periodStart: at('2026-11-22T00:00:00Z'), spentUsd: 0 }); // nothing today
    state = charge(daily, day, 0.3, now);
    const back = current(state, total, at(now));
    expect(back).toMatchObject({ periodStart: 0, spentUsd: 1.3 });
    expect(admits(back, total, 0.01)).toBe(false);
    // Spent today, the day's window holds it too.
    expect(current(back, day, at(now)).spentUsd).toBe(0.3);
  });

  it("takes the last days' spend when a month becomes a week, and the month's back", () => {
    const month = { usd: 10, period: 'month' as const };
    let state: BudgetState | undefined;
    for (const [usd, iso] of [
      [2, '2026-11-03T08:00:00Z'],
      [1, '2026-11-15T23:59:00Z'],
      [0.5, '2026-11-17T08:00:00Z'],
      [0.25, now],
    ] as const)
      state = charge(state, month, usd, iso);
    expect(current(state, month, at(now)).spentUsd).toBe(3.75);
    const week = { ...month, period: 'week' as const };
    const weekly = current(state, week, at(now));
    expect(weekly).toMatchObject({ periodStart: at('2026-11-16T00:00:00Z'), spentUsd: 0.75 });
    expect(current(weekly, month, at(now)).spentUsd).toBe(3.75);
  });

  it('keeps the spend when a start is added that includes today, and when it is removed', () => {
    const day = { usd: 1, period: 'day' as const };
    const state = charge(undefined, day, 0.9, '2026-11-22T08:00:00Z');
    // From 09:00: the day's spend before it is counted too (a day partly in the window counts whole).
    const anchored = { ...day, anchor: at('2026-11-01T09:00:00Z') };
    const moved = current(state, anchored, at(now));
    expect(moved).toMatchObject({ periodStart: at('2026-11-22T09:00:00Z'), spentUsd: 0.9 });
    expect(admits(moved, anchored, 0.2)).toBe(false);
    expect(current(moved, day, at(now)).spentUsd).toBe(0.9);
    // Its next period, a natural rollover, starts empty.
    expect(current(moved, anchored, at('2026-11-23T09:00:00Z')).spentUsd).toBe(0);
  });

  it('still starts a new period empty at a natural rollover, history kept for a later change', () => {
    const day = { usd: 1, period: 'day' as const };
    const state = charge(undefined, day, 0.7, '2026-11-21T20:00:00Z');
    const next = current(state, day, at(now));
    expect(next).toMatchObject({ periodStart: at('2026-11-22T00:00:00Z'), spentUsd: 0, alertedAt: null });
    expect(admits(next, day, 1)).toBe(true);
    expect(current(next, { ...day, period: 'week' }, at(now)).spentUsd).toBe(0.7);
  });

  it('parses a ledger stored before the history was kept, and carries its spend over a change', () => {
    const stored = {
      periodStart: at('2026-11-01T00:00:00Z'),
      spentUsd: 5,
      reservations: [],
      alertedAt: null,
    };
    const old = budgetStateSchema.parse(stored);
    const month = { usd: 6, period: 'month' as const };
    const counted = current(old, month, at(now));
    expect(counted.spentUsd).toBe(5);
    // When it was charged is unknown: all of it is counted in any period that may hold some of it.
    expect(current(counted, { ...month, period: 'day' }, at(now)).spentUsd).toBe(5);
    expect(current(counted, { ...month, period: 'total' }, at(now)).spentUsd).toBe(5);
    // A start that is none of this budget's (its window changed before it was upgraded): carried whole.
    const week = budgetStateSchema.parse({ ...stored, periodStart: at('2026-11-16T00:00:00Z') });
    expect(current(week, month, at(now)).spentUsd).toBe(5);
    // Its own period ended: a rollover, as before, but a later change still finds the old spend.
    const october = budgetStateSchema.parse({ ...stored, periodStart: at('2026-10-01T00:00:00Z') });
    const rolled = current(october, month, at(now));
    expect(rolled.spentUsd).toBe(0);
    expect(current(rolled, { ...month, period: 'total' }, at(now)).spentUsd).toBe(5);
  });

  it("keeps open reservations and leases' shares, and grants no share the recomputed spend leaves no room for", () => {
    const total = { usd: 1, period: 'total' as const };
    const day = { ...total, period: 'day' as const };
    let state = charge(undefined, total, 0.99, '2026-11-01T12:00:00Z');
    state = current(state, day, at(now));
    expect(leaseShare(state, day, 0)).toBe(0.01); // nothing spent today
    state = { ...state, reservations: [{ id: 'lease:1', usd: 0.01, expiresAt: at(now) + 6000 }] };
    const back = current(state, total, at(now));
    expect(back.reservations).toEqual(state.reservations);
    // 1 - 0.99 spent - 0.01 still held by the share: nothing left, for a share or a request.
    expect(leaseShare(back, total, 0)).toBe(0);
    expect(admits(back, total, 0.001)).toBe(false);
  });

  it('alerts again only if the recomputed spend is past the threshold', () => {
    const total = { usd: 1, period: 'total' as const };
    const state = charge(undefined, total, 0.85, '2026-11-01T12:00:00Z');
    expect(state.alertedAt).toBe(at('2026-11-01T12:00:00Z'));
    const daily = current(state, { ...total, period: 'day' }, at(now));
    expect(daily.alertedAt).toBeNull();
    expect(current(daily, total, at(now)).alertedAt).toBe(at(now));
  });

  it(`keeps ${HISTORY_DAYS} days of spend; a period older than that counts everything ever charged`, () => {
    const total = { usd: 1000, period: 'total' as const };
    let state: BudgetState | undefined;
    for (let day = 0; day < 100; day++)
      state = charge(state, total, 1, new Date(at('2026-08-01T12:00:00Z') + day * 86_400_000).toISOString());
    expect(state?.days).toHaveLength(HISTORY_DAYS);
    expect(state?.lifetimeUsd).toBe(100);
    const last = '2026-11-08T13:00:00Z';
    expect(current(state, { ...total, anchor: at('2026-08-15T00:00:00Z') }, at(last)).spentUsd).toBe(100);
    expect(current(state, { ...total, anchor: at('2026-11-01T00:00:00Z') }, at(last)).spentUsd).toBe(8);
  });
});

describe("admission leases' budget shares", () => {
  const budget = { usd: 10, period: 'total' as const };
  const leased = (usd: number) => ({
    ...emptyState(0),
    spentUsd: 4,
    reservations: [
      { id: 'r1', usd: 1, expiresAt: 100 },
      { id: 'lease:7', usd, expiresAt: 50 },
    ],
  });

  it('spares a hundredth of what is left, and none that would not cover the asking request', () => {
    // 10 - 4 spent - 1 and 1 reserved = 4 left.
    expect(leaseShare(leased(1), budget, 0.01)).toBe(0.04);
    expect(leaseShare(leased(1), budget, 0.04)).toBe(0.04);
    expect(leaseShare(leased(1), budget, 0.041)).toBe(0);
    expect(leaseShare(leased(5), budget, 0)).toBe(0); // nothing left
  });

  it("moves a request's draw to its own reservation, leaving the ledger's total unchanged", () => {
    const drawn = drawFromLease(leased(1), 7, { id: 'r2', usd: 0.25, expiresAt: 900 });
    expect(drawn.reservations).toEqual([
      { id: 'r1', usd: 1, expiresAt: 100 },
      { id: 'lease:7', usd: 0.75, expiresAt: 50 },
      { id: 'r2', usd: 0.25, expiresAt: 900 },
    ]);
    expect(reservedUsd(drawn)).toBe(2);
    // The lease's reservation already gone (expired): the running request is still reserved.
    const late = drawFromLease(leased(1), 8, { id: 'r3', usd: 0.25, expiresAt: 900 });
    expect(reservedUsd(late)).toBe(2.25);
  });

  it("releases a lease's unused rest, dropping the reservation once empty, whatever the order", () => {
    const given = releaseFromLease(leased(0.3), 7, 0.1);
    expect(given.reservations.find((r) => r.id === 'lease:7')?.usd).toBe(0.2);
    // 0.1 + 0.2 is not 0.3 in binary floating point; the ledger's rounding empties it anyway.
    const drawnThenGiven = releaseFromLease(
      drawFromLease(leased(0.3), 7, { id: 'r2', usd: 0.2, expiresAt: 900 }),
      7,
      0.1,
    );
    const givenThenDrawn = drawFromLease(given, 7, { id: 'r2', usd: 0.2, expiresAt: 900 });
    for (const state of [drawnThenGiven, givenThenDrawn])
      expect(state.reservations.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(releaseFromLease(leased(1), 9, 1)).toEqual(leased(1)); // unknown lease: unchanged
    expect(releaseFromLease(leased(1), 7, Number.NaN)).toEqual(leased(1));
  });
});

describe('pricing', () => {
  it('uses config before the bundled table, dated variants by prefix, and a dear default', () => {
    expect(priceOf({ provider: 'openai', model: 'gpt-4o-2024-08-06' }, 'openai', {})).toMatchObject({
      inputPerMTok: 2.5,
    });
    expect(priceOf({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18' }, 'openai', {})).toMatchObject({
      inputPerMTok: 0.15,
    });
    expect(
      priceOf({ provider: 'x', model: 'gpt-4o' }, 'openai', {
        'x/gpt-4o': { inputPerMTok: 1, outputPerMTok: 1 },
      }),
    ).toEqual({
      inputPerMTok: 1,
      outputPerMTok: 1,
    });
    expect(priceOf({ provider: 'mock', model: 'anything' }, 'mock', {})).toMatchObject({
      inputPerMTok: 0,
      outputPerMTok: 0,
    });
    expect(priceOf({ provider: 'o', model: 'mystery-model' }, 'openai', {})).toMatchObject({
      inputPerMTok: 15,
      outputPerMTok: 75,
    });
  });

  it("prices the common embedding models at their list price, not the unknown model's", () => {
    const input = (provider: string, model: string, type: string) =>
      priceOf({ provider, model }, type, {}).inputPerMTok;
    expect(input('gemini', 'gemini-embedding-001', 'gemini')).toBe(0.15);
    expect(input('cohere', 'embed-v4.0', 'cohere')).toBe(0.12);
    expect(input('mistral', 'mistral-embed', 'openai')).toBe(0.1);
    expect(input('workers-ai', '@cf/baai/bge-base-en-v1.5', 'workers-ai')).toBe(0.067);
  });

  it('prices cache reads and writes separately (Anthropic)', () => {
    const sonnet = priceOf({ provider: 'anthropic', model: 'claude-sonnet-4-5' }, 'anthropic', {});
    const usage = {
      prompt_tokens: 10_000 + 20_000 + 5_000,
      completion_tokens: 1_000,
      total_tokens: 36_000,
      prompt_tokens_details: { cached_tokens: 20_000, cache_creation_tokens: 5_000 },
    };
    // 10k plain × $3 + 20k read × $0.30 + 5k write × $3.75 + 1k out × $15 (per million)
    expect(costOf(usage, sonnet)).toBeCloseTo((30_000 + 6_000 + 18_750 + 15_000) / 1e6, 10);
    // Of the writes, those for an hour at twice the input price ($6), not the 5-minute $3.75.
    const hour = {
      ...usage,
      prompt_tokens_details: { ...usage.prompt_tokens_details, cache_creation_1h_tokens: 4_000 },
    };
    expect(costOf(hour, sonnet)).toBeCloseTo((30_000 + 6_000 + 1_000 * 3.75 + 4_000 * 6 + 15_000) / 1e6, 10);
  });

  it('charges a whole request past the long-context threshold at the long-context rates', () => {
    const pro = priceOf({ provider: 'google', model: 'gemini-2.5-pro' }, 'gemini', {});
    const usage = (prompt: number) => ({
      prompt_tokens: prompt,
      completion_tokens: 10_000,
      total_tokens: prompt + 10_000,
    });
    expect(costOf(usage(200_000), pro)).toBeCloseTo((200_000 * 1.25 + 10_000 * 10) / 1e6, 10);
    expect(costOf(usage(300_000), pro)).toBeCloseTo((300_000 * 2.5 + 10_000 * 15) / 1e6, 10);
    // And the reservation: a prompt over the threshold is reserved at those rates.
    expect(worstCaseCost(300_000, 1_000, [pro])).toBeCloseTo((300_000 * 2.5 + 1_000 * 15) / 1e6, 10);
    // A configured price may say the same.
    const custom = priceOf({ provider: 'p', model: 'm' }, 'openai', {
      'p/m': { inputPerMTok: 1, outputPerMTok: 2, longContext: { aboveTokens: 1_000, inputPerMTok: 4 } },
    });
    expect(costOf(usage(2_000), custom)).toBeCloseTo((2_000 * 4 + 10_000 * 2) / 1e6, 10);
  });

  it('prices audio in and out at an audio model’s audio rates, and reserves at them', () => {
    const audio = (model: string) => priceOf({ provider: 'openai', model }, 'openai', {});
    const usage = {
      prompt_tokens: 1_000,
      completion_tokens: 500,
      total_tokens: 1_500,
      prompt_tokens_details: { cached_tokens: 100, audio_tokens: 800 },
      completion_tokens_details: { audio_tokens: 400 },
    };
    // 100 text in × $2.50 + 800 audio in × $40 + 100 read × $2.50 + 100 text out × $10 + 400 audio out × $80
    const expected = (100 * 2.5 + 800 * 40 + 100 * 2.5 + 100 * 10 + 400 * 80) / 1e6;
    expect(costOf(usage, audio('gpt-4o-audio-preview'))).toBeCloseTo(expected, 10);
    expect(costOf(usage, audio('gpt-4o-audio-preview-2024-12-17'))).toBeCloseTo(expected, 10);
    // The first snapshot's audio cost more; the mini model and gpt-audio less.
    expect(costOf(usage, audio('gpt-4o-audio-preview-2024-10-01'))).toBeCloseTo(
      (100 * 2.5 + 800 * 100 + 100 * 2.5 + 100 * 10 + 400 * 200) / 1e6,
      10,
    );
    expect(audio('gpt-4o-mini-audio-preview').audioOutputPerMTok).toBe(20);
    expect(audio('gpt-audio-2025-08-28').audioInputPerMTok).toBe(32);
    // A model with no audio rates charges its audio as text, as the usage says nothing else.
    const plain = { inputPerMTok: 1, outputPerMTok: 2 };
    expect(costOf(usage, plain)).toBeCloseTo((1_000 * 1 + 500 * 2) / 1e6, 10);
    // A configured price may set them, and the worst case takes them as the dearest rates.
    const custom = priceOf({ provider: 'p', model: 'm' }, 'openai', {
      m: { ...plain, audioInputPerMTok: 30, audioOutputPerMTok: 60 },
    });
    expect(costOf(usage, custom)).toBeCloseTo((200 * 1 + 800 * 30 + 100 * 2 + 400 * 60) / 1e6, 10);
    // A request that carries audio in and asks for it out is reserved at those rates; one that
    // does neither, at the text rates (an audio model is often sent text).
    const voice = [audio('gpt-4o-audio-preview')];
    expect(worstCaseCost(1_000, 500, voice, { input: true, output: true })).toBeCloseTo(
      (1_000 * 40 + 500 * 80) / 1e6,
      10,
    );
    expect(worstCaseCost(1_000, 500, voice, { input: true, output: false })).toBeCloseTo(
      (1_000 * 40 + 500 * 10) / 1e6,
      10,
    );
    expect(worstCaseCost(1_000, 500, voice)).toBeCloseTo((1_000 * 2.5 + 500 * 10) / 1e6, 10);
    // Audio counts past their totals are the provider's error: at most the whole prompt or answer.
    const absurd = {
      ...usage,
      prompt_tokens_details: { audio_tokens: 1e6 },
      completion_tokens_details: { audio_tokens: -5 },
    };
    expect(costOf(absurd, custom)).toBeCloseTo((1_000 * 30 + 500 * 2) / 1e6, 10);
  });

  it('charges priority processing at twice the standard rates, and reserves for it when asked', () => {
    const gpt = priceOf({ provider: 'openai', model: 'gpt-4o' }, 'openai', {});
    const usage = { prompt_tokens: 1_000, completion_tokens: 100, total_tokens: 1_100 };
    const standard = (1_000 * 2.5 + 100 * 10) / 1e6;
    expect(costOf(usage, gpt)).toBeCloseTo(standard, 12);
    expect(costOf(usage, gpt, 'default')).toBeCloseTo(standard, 12);
    expect(costOf(usage, gpt, 'priority')).toBeCloseTo(2 * standard, 12);
    // Flex is half price at OpenAI but not at Groq: the standard rates bound both.
    expect(costOf(usage, gpt, 'flex')).toBeCloseTo(standard, 12);
    expect(worstCaseCost(1_000, 100, [gpt], undefined, 'priority')).toBeCloseTo(2 * standard, 12);
    expect(worstCaseCost(1_000, 100, [gpt], undefined, 'auto')).toBeCloseTo(standard, 12);
  });

  it('tells which requests may be charged audio rates', () => {
    const user = (content: unknown) => ({ role: 'user', content }) as ChatRequest['messages'][number];
    const clip = { type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } };
    expect(audioUseOf({ messages: [user('hi')] })).toEqual({ input: false, output: false });
    expect(audioUseOf({ messages: [user([{ type: 'text', text: 'hi' }, clip])] })).toEqual({
      input: true,
      output: false,
    });
    // An earlier spoken answer is audio the model reads again.
    const spoken = {
      role: 'assistant',
      content: null,
      audio: { id: 'audio_1' },
    } as ChatRequest['messages'][number];
    expect(audioUseOf({ messages: [user('hi'), spoken, user('and?')] }).input).toBe(true);
    expect(audioUseOf({ messages: [user('hi')], modalities: ['text', 'audio'] }).output).toBe(true);
    expect(audioUseOf({ messages: [user('hi')], audio: { voice: 'alloy', format: 'wav' } }).output).toBe(
      true,
    );
    expect(audioUseOf({ messages: [user('hi')], modalities: ['text'] }).output).toBe(false);
    // Audio or video handed over as a file or an image part (Gemini takes both).
    const file = (data: string) => ({ type: 'file', file: { file_data: data } });
    const image = (url: string) => ({ type: 'image_url', image_url: { url } });
    expect(audioUseOf({ messages: [user([file('data:audio/mp3;base64,SUQz')])] }).input).toBe(true);
    expect(audioUseOf({ messages: [user([image('data:video/mp4;base64,AAAA')])] }).input).toBe(true);
    expect(audioUseOf({ messages: [user([file('data:application/pdf;base64,JVBE')])] }).input).toBe(false);
    expect(audioUseOf({ messages: [user([image('data:image/png;base64,iVBO')])] }).input).toBe(false);
  });

  it('reserves input at the dearest rate it may be charged, a cached-input price above the input one included', () => {
    const odd = { inputPerMTok: 1, outputPerMTok: 0, cachedInputPerMTok: 5 };
    expect(worstCaseCost(1_000_000, 0, [odd])).toBe(5);
  });

  it('reserves the worst case over every possible target', () => {
    const cheap = { inputPerMTok: 0.1, outputPerMTok: 0.4 };
    const dear = { inputPerMTok: 3, outputPerMTok: 15, cacheWritePerMTok: 3.75 };
    // A model that writes caches may write them for an hour: at twice its input price.
    expect(worstCaseCost(1000, 500, [cheap, dear])).toBeCloseTo((1000 * 6 + 500 * 15) / 1e6, 12);
    expect(worstCaseCost(1000, 500, [cheap, { ...dear, cacheWrite1hPerMTok: 4 }])).toBeCloseTo(
      (1000 * 4 + 500 * 15) / 1e6,
      12,
    );
  });
});

describe('the ledger over many tiny costs', () => {
  it('keeps what a thousand requests of $0.00000000123 add up to (a price of $0.00123 per million tokens)', () => {
    const budget = { usd: 1, period: 'total' as const };
    let state = emptyState(0);
    for (let i = 0; i < 1000; i++) state = settle(state, budget, `r${i}`, 1.23e-9, i);
    expect(state.spentUsd).toBeCloseTo(1.23e-6, 15);
  });
});
