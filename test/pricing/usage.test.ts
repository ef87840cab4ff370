import { describe, expect, it } from 'vitest';
import { costOf } from '../../src/pricing/cost';
import { countedUsage, plausibleUsage } from '../../src/pricing/usage';

describe('countedUsage (a provider usage report made chargeable)', () => {
  it('derives a missing count from the others, and drops what is not a count', () => {
    expect(countedUsage({ completion_tokens: 5, total_tokens: 12 })).toEqual({
      prompt_tokens: 7,
      completion_tokens: 5,
      total_tokens: 12,
    });
    expect(countedUsage({ prompt_tokens: 10, total_tokens: 15 })).toMatchObject({ completion_tokens: 5 });
    expect(
      countedUsage({ prompt_tokens: '10', completion_tokens: Number.NaN, total_tokens: -3 }),
    ).toBeUndefined();
    expect(countedUsage({ prompt_tokens: 3 })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 0,
      total_tokens: 3,
    });
    expect(countedUsage({})).toBeUndefined();
    expect(countedUsage(null)).toBeUndefined();
    expect(
      countedUsage({ prompt_tokens: 4, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 9 } }),
    ).toMatchObject({
      prompt_tokens_details: { cached_tokens: 4, cache_creation_tokens: 0 },
    });
  });

  it("charges xAI's reasoning, which its completion_tokens leave out (its total counts them)", () => {
    // xAI's grok-4.1-fast-reasoning: 663 + 50 + 124 reasoning = 837; OpenAI's total is prompt + completion.
    const xai = {
      prompt_tokens: 663,
      completion_tokens: 50,
      total_tokens: 837,
      prompt_tokens_details: { cached_tokens: 654 },
      completion_tokens_details: { reasoning_tokens: 124 },
    };
    expect(countedUsage(xai)).toMatchObject({ completion_tokens: 174, total_tokens: 837 });
    expect(costOf(xai, { inputPerMTok: 0, outputPerMTok: 1_000_000 })).toBe(174);
    const openai = { ...xai, completion_tokens: 174 }; // reasoning within the completion: once
    expect(countedUsage(openai)).toMatchObject({ completion_tokens: 174, total_tokens: 837 });
  });

  it("prices DeepSeek's cache hits (prompt_cache_hit_tokens) at the cached rate", () => {
    const deepseek = {
      prompt_tokens: 1_000,
      completion_tokens: 0,
      total_tokens: 1_000,
      prompt_cache_hit_tokens: 800,
      prompt_cache_miss_tokens: 200,
    };
    expect(countedUsage(deepseek)?.prompt_tokens_details?.cached_tokens).toBe(800);
    const price = { inputPerMTok: 1_000, outputPerMTok: 0, cachedInputPerMTok: 100 };
    expect(costOf(deepseek, price)).toBeCloseTo(0.2 + 0.08, 12);
  });

  it('never lets a cost be NaN', () => {
    const price = { inputPerMTok: 1, outputPerMTok: 2 };
    const cost = costOf({ completion_tokens: 1_000_000 } as never, price);
    expect(cost).toBe(2);
    expect(Number.isFinite(costOf({ prompt_tokens: Number.NaN } as never, price))).toBe(true);
  });
});

describe('plausibleUsage (a report the gateway may charge as the provider counted)', () => {
  it('takes whole counts from 0 to 100 million, and derives what is missing', () => {
    expect(plausibleUsage({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 })).toEqual({
      prompt_tokens: 12,
      completion_tokens: 7,
      total_tokens: 19,
    });
    expect(plausibleUsage({ completion_tokens: 5, total_tokens: 12, prompt_tokens: null })).toMatchObject({
      prompt_tokens: 7,
    });
    expect(plausibleUsage({ prompt_tokens: 1e8, completion_tokens: 0 })).toMatchObject({
      prompt_tokens: 1e8,
    });
  });

  it('takes no report at all from one with any count negative, fractional, no number or too large', () => {
    for (const report of [
      { prompt_tokens: -100, completion_tokens: -5 },
      { prompt_tokens: 10, completion_tokens: -5 }, // countedUsage would charge 10 and 0
      { prompt_tokens: 1e12, completion_tokens: -5 },
      { prompt_tokens: 1e8 + 1, completion_tokens: 1 },
      { prompt_tokens: 10, completion_tokens: 1, total_tokens: 1e9 },
      { prompt_tokens: 10.5, completion_tokens: 1 },
      { prompt_tokens: '10', completion_tokens: 1 },
      { prompt_tokens: Number.NaN },
      {},
      null,
    ])
      expect(plausibleUsage(report), JSON.stringify(report)).toBeUndefined();
  });
});
