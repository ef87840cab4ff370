import { describe, expect, it } from 'vitest';
import { costOf } from '../../src/pricing/cost';
import { countedUsage } from '../../src/pricing/usage';

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

  it('never lets a cost be NaN', () => {
    const price = { inputPerMTok: 1, outputPerMTok: 2 };
    const cost = costOf({ completion_tokens: 1_000_000 } as never, price);
    expect(cost).toBe(2);
    expect(Number.isFinite(costOf({ prompt_tokens: Number.NaN } as never, price))).toBe(true);
  });
});
