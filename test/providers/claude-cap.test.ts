// A Claude cap lowered to the model's limit: its extended-thinking budget kept below it and at least
// 1,024 (Anthropic's smallest), or no lowering at all.
import { describe, expect, it } from 'vitest';
import { claudeCapWithin, converseWithin, messagesWithin } from '../../src/providers/claude-cap';

describe('claudeCapWithin', () => {
  it('lowers only a cap above the limit', () => {
    expect(claudeCapWithin(32000, undefined, 8192)).toEqual({ cap: 8192 });
    expect(claudeCapWithin(8192, undefined, 8192)).toBeUndefined();
    expect(claudeCapWithin(undefined, undefined, 8192)).toBeUndefined();
  });

  it('keeps a budget below the limit, lowers one at or above it, and gives up below 1,025', () => {
    const thinking = (budget_tokens: number) => ({ type: 'enabled', budget_tokens });
    expect(claudeCapWithin(32000, thinking(8191), 8192)).toEqual({ cap: 8192 });
    expect(claudeCapWithin(32000, thinking(8192), 8192)).toEqual({ cap: 8192, thinking: thinking(8191) });
    expect(claudeCapWithin(32000, thinking(1024), 1025)).toEqual({ cap: 1025 });
    expect(claudeCapWithin(32000, thinking(2048), 1025)).toEqual({ cap: 1025, thinking: thinking(1024) });
    expect(claudeCapWithin(32000, thinking(2048), 1024)).toBeUndefined();
  });

  it('leaves adaptive or disabled thinking as it is', () => {
    expect(claudeCapWithin(32000, { type: 'adaptive' }, 4096)).toEqual({ cap: 4096 });
    expect(claudeCapWithin(32000, { type: 'disabled' }, 4096)).toEqual({ cap: 4096 });
  });
});

describe('the bodies lowered', () => {
  it("sets a Messages body's max_tokens and thinking", () => {
    const body = { model: 'm', max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 10000 } };
    expect(messagesWithin(body, 8192)).toEqual({
      model: 'm',
      max_tokens: 8192,
      thinking: { type: 'enabled', budget_tokens: 8191 },
    });
  });

  it("sets a Converse body's maxTokens, keeping its other fields", () => {
    const body = {
      inferenceConfig: { maxTokens: 32000, temperature: 1 },
      additionalModelRequestFields: { top_k: 5, thinking: { type: 'enabled', budget_tokens: 9000 } },
    };
    expect(converseWithin(body, 8192)).toEqual({
      inferenceConfig: { maxTokens: 8192, temperature: 1 },
      additionalModelRequestFields: { top_k: 5, thinking: { type: 'enabled', budget_tokens: 8191 } },
    });
    expect(converseWithin({ messages: [] }, 8192)).toBeUndefined();
  });
});
