import { describe, expect, it } from 'vitest';
import { current, emptyState, expire, periodBounds, reserve, settle } from '../../src/limits/budget';
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

  it('prices cache reads and writes separately (Anthropic)', () => {
    const sonnet = priceOf({ provider: 'anthropic', model: 'claude-sonnet-4-5' }, 'anthropic', {});
    const usage = {
      prompt_tokens: 1_000_000 + 2_000_000 + 500_000,
      completion_tokens: 100_000,
      total_tokens: 3_600_000,
      prompt_tokens_details: { cached_tokens: 2_000_000, cache_creation_tokens: 500_000 },
    };
    // 1M plain × $3 + 2M read × $0.30 + 0.5M write × $3.75 + 0.1M out × $15
    expect(costOf(usage, sonnet)).toBeCloseTo(3 + 0.6 + 1.875 + 1.5, 10);
  });

  it('reserves the worst case over every possible target', () => {
    const cheap = { inputPerMTok: 0.1, outputPerMTok: 0.4 };
    const dear = { inputPerMTok: 3, outputPerMTok: 15, cacheWritePerMTok: 3.75 };
    expect(worstCaseCost(1000, 500, [cheap, dear])).toBeCloseTo((1000 * 3.75 + 500 * 15) / 1e6, 12);
  });
});
