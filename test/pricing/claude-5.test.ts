// The Claude 5 generation's list prices (platform.claude.com's pricing page and model pages): each
// id, dated or as Bedrock and Vertex AI name it, at its own rates rather than an unknown model's.
import { describe, expect, it } from 'vitest';
import { costOf, priceOf } from '../../src/pricing/cost';
import { UNKNOWN_MODEL_PRICE } from '../../src/pricing/prices';

const anthropic = (model: string) => priceOf({ provider: 'a', model }, 'anthropic', {});
const bedrock = (model: string) => priceOf({ provider: 'b', model }, 'bedrock', {});
const vertex = (model: string, regional: boolean) =>
  priceOf({ provider: 'v', model }, 'vertex', {}, regional);

/** USD per million tokens of each kind, charged a kind at a time on 100k (Haiku 5.5's base rates). */
function rates(model: string) {
  const price = anthropic(model);
  const tokens = 100_000;
  const prompt = (details: Record<string, number>) =>
    10 *
    costOf(
      { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens, prompt_tokens_details: details },
      price,
    );
  return {
    input: prompt({}),
    output: 10 * costOf({ prompt_tokens: 0, completion_tokens: tokens, total_tokens: tokens }, price),
    write5m: prompt({ cache_creation_tokens: tokens }),
    write1h: prompt({ cache_creation_tokens: tokens, cache_creation_1h_tokens: tokens }),
    read: prompt({ cached_tokens: tokens }),
  };
}

describe('Claude 5 prices', () => {
  it('charges each model its list rates: input, output, 5-minute and 1-hour writes, reads', () => {
    for (const [model, input, output, write5m, write1h, read] of [
      ['claude-fable-5-1', 10, 50, 12.5, 20, 0.25],
      ['claude-mythos-5-1', 10, 50, 12.5, 20, 0.25],
      ['claude-fable-5', 10, 50, 12.5, 20, 1],
      ['claude-mythos-5', 10, 50, 12.5, 20, 1],
      ['claude-opus-5-5', 4, 20, 5, 8, 0.2],
      ['claude-opus-5', 5, 25, 6.25, 10, 0.5],
      ['claude-opus-4-8', 5, 25, 6.25, 10, 0.5],
      ['claude-sonnet-5-5', 2, 10, 2.5, 4, 0.1],
      ['claude-sonnet-5', 2, 10, 2.5, 4, 0.2],
      ['claude-haiku-5-5', 0.1, 0.5, 0.125, 0.2, 0.01],
    ] as const) {
      const charged = rates(model);
      expect(charged.input, model).toBeCloseTo(input, 9);
      expect(charged.output, model).toBeCloseTo(output, 9);
      expect(charged.write5m, model).toBeCloseTo(write5m, 9);
      expect(charged.write1h, model).toBeCloseTo(write1h, 9);
      expect(charged.read, model).toBeCloseTo(read, 9);
    }
  });

  it("charges Haiku 5.5's whole request 5× once its prompt, cache included, is over 100k tokens", () => {
    const haiku = anthropic('claude-haiku-5-5');
    const usage = (prompt: number) => ({
      prompt_tokens: prompt,
      completion_tokens: 10_000,
      total_tokens: prompt + 10_000,
      prompt_tokens_details: { cached_tokens: 60_000 },
    });
    expect(costOf(usage(100_000), haiku)).toBeCloseTo(
      (40_000 * 0.1 + 60_000 * 0.01 + 10_000 * 0.5) / 1e6,
      12,
    );
    expect(costOf(usage(100_001), haiku)).toBeCloseTo(
      (40_001 * 0.5 + 60_000 * 0.05 + 10_000 * 2.5) / 1e6,
      12,
    );
    // The others are flat over their 1M-token window.
    for (const model of ['claude-opus-5-5', 'claude-fable-5-1', 'claude-sonnet-5-5', 'claude-opus-5'])
      expect(anthropic(model).longContext, model).toBeUndefined();
  });

  it('prices dated snapshots as their model, and a neighbouring model never as another', () => {
    expect(anthropic('claude-opus-5-20260724')).toEqual(anthropic('claude-opus-5'));
    expect(anthropic('claude-opus-5-5-20260922')).toEqual(anthropic('claude-opus-5-5'));
    expect(anthropic('claude-opus-5-5').inputPerMTok).toBe(4);
    expect(anthropic('claude-fable-5-1').cachedInputPerMTok).toBe(0.25);
    // A 5.x the table does not know yet is not charged as its predecessor: an unknown model.
    expect(anthropic('claude-fable-5-2')).toEqual(UNKNOWN_MODEL_PRICE);
  });

  it('prices Bedrock and Vertex AI ids as Anthropic does globally, 10 % more in a Region or geography', () => {
    expect(bedrock('global.anthropic.claude-opus-5-5')).toEqual(anthropic('claude-opus-5-5'));
    expect(bedrock('global.anthropic.claude-fable-5-1-v1:0')).toEqual(anthropic('claude-fable-5-1'));
    for (const id of [
      'anthropic.claude-opus-5-5-v1:0',
      'us.anthropic.claude-opus-5-5',
      'jp.anthropic.claude-opus-5-5',
    ]) {
      const price = bedrock(id);
      expect(price.inputPerMTok, id).toBeCloseTo(4.4, 9);
      expect(price.cachedInputPerMTok, id).toBeCloseTo(0.22, 9);
      expect(price.cacheWritePerMTok, id).toBeCloseTo(5.5, 9);
    }
    const haiku = bedrock('eu.anthropic.claude-haiku-5-5');
    expect(haiku.longContext).toMatchObject({ aboveTokens: 100_000 });
    expect(haiku.longContext?.outputPerMTok).toBeCloseTo(2.75, 9);
    expect(vertex('claude-sonnet-5-5@20260928', false)).toEqual(anthropic('claude-sonnet-5-5'));
    expect(vertex('claude-fable-5-1', true).outputPerMTok).toBeCloseTo(55, 9);
  });
});

describe('Claude Mythos Preview', () => {
  it('is charged its own rates, above an unknown model’s, on Anthropic and Bedrock', () => {
    const usage = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000 };
    for (const [model, type] of [
      ['claude-mythos-preview', 'anthropic'],
      ['global.anthropic.claude-mythos-preview', 'bedrock'],
    ] as const)
      expect(costOf(usage, priceOf({ provider: 'p', model }, type, {})), model).toBeCloseTo(25 + 125, 9);
  });
});
