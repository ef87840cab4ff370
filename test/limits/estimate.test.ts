import { describe, expect, it } from 'vitest';
import { maxOutputTokens, thinkingBudget } from '../../src/limits/estimate';

describe('maxOutputTokens (what a reservation assumes)', () => {
  it("takes the client's cap, else the default plus an enabled thinking budget, times n", () => {
    expect(maxOutputTokens({ max_tokens: 100, n: 2 }, 4096)).toBe(200);
    expect(maxOutputTokens({}, 4096)).toBe(4096);
    // Anthropic's adapter raises its default max_tokens by the budget: the reservation follows.
    const thinking = { type: 'enabled', budget_tokens: 8000 };
    expect(maxOutputTokens({ thinking } as object, 4096)).toBe(12_096);
    expect(maxOutputTokens({ thinking, max_tokens: 9000 } as object, 4096)).toBe(9000);
    expect(maxOutputTokens({ thinking: { type: 'disabled', budget_tokens: 8000 } } as object, 4096)).toBe(
      4096,
    );
  });

  it('reads a budget only from enabled thinking, and only a positive number', () => {
    expect(thinkingBudget({})).toBeUndefined();
    expect(thinkingBudget({ thinking: { type: 'adaptive' } })).toBeUndefined();
    expect(thinkingBudget({ thinking: { type: 'enabled' } })).toBe(0);
    expect(thinkingBudget({ thinking: { type: 'enabled', budget_tokens: '9' } })).toBe(0);
    expect(thinkingBudget({ thinking: { type: 'enabled', budget_tokens: 2048 } })).toBe(2048);
  });
});
