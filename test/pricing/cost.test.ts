import { describe, expect, it } from 'vitest';
import { costOf, priceOf } from '../../src/pricing/cost';
import { UNKNOWN_MODEL_PRICE } from '../../src/pricing/prices';

const price = (model: string, overrides = {}) => priceOf({ provider: 'openai', model }, 'openai', overrides);

describe('priceOf', () => {
  it("never finds Object.prototype's members: a model named constructor is an unknown model", () => {
    for (const model of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(price(model)).toEqual(UNKNOWN_MODEL_PRICE);
      expect(price(model, { m: { inputPerMTok: 1, outputPerMTok: 1 } })).toEqual(UNKNOWN_MODEL_PRICE);
    }
  });

  it('gives dated snapshots their model’s price, and other models named like one none of it', () => {
    expect(price('gpt-4o-2024-08-06')).toEqual(price('gpt-4o'));
    expect(priceOf({ provider: 'a', model: 'claude-sonnet-4-20250514' }, 'anthropic', {})).toEqual(
      priceOf({ provider: 'a', model: 'claude-sonnet-4' }, 'anthropic', {}),
    );
    expect(price('gemini-2.5-flash-preview-05-20')).toEqual(price('gemini-2.5-flash'));
    expect(price('grok-4-0709')).toEqual(price('grok-4'));
    // A pro tier is not its base model: 12× its price, and never charged as it.
    expect(price('gpt-5-pro').outputPerMTok).toBe(120);
    expect(price('o3-pro').outputPerMTok).toBe(80);
    expect(price('gpt-5-codex-max')).toEqual(UNKNOWN_MODEL_PRICE);
    expect(price('gpt-5.2-codex').outputPerMTok).toBe(14);
    expect(price('gpt-5.1-codex-mini')).toEqual(price('gpt-5.1-codex'));
    // The Responses-only models the openai adapter serves, dated snapshots included.
    expect(price('gpt-5.3-codex').outputPerMTok).toBe(14);
    expect(price('codex-mini-latest').outputPerMTok).toBe(6);
    expect(price('o3-deep-research-2025-06-26').inputPerMTok).toBe(10);
    expect(price('o4-mini-deep-research').outputPerMTok).toBe(8);
    expect(price('computer-use-preview-2025-03-11').inputPerMTok).toBe(3);
    // A cheaper tier is charged as its model (which costs at least as much), not as an unknown one.
    expect(price('gemini-2.0-flash-lite-001')).toEqual(price('gemini-2.0-flash'));
    expect(price('gpt-5-chat-latest')).toEqual(price('gpt-5'));
    expect(price('grok-4-fast-reasoning')).toEqual(price('grok-4'));
    expect(price('claude-opus-4-5-20251101').inputPerMTok).toBe(5);
    expect(price('gpt-4o-2024-05-13').inputPerMTok).toBe(5);
  });

  it("prices Bedrock's Claude ids as Anthropic's models, a 4.5-or-later regional profile 10 % dearer", () => {
    const bedrock = (model: string) => priceOf({ provider: 'b', model }, 'bedrock', {});
    const anthropic = (model: string) => priceOf({ provider: 'a', model }, 'anthropic', {});
    expect(bedrock('global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual(
      anthropic('claude-sonnet-4-5'),
    );
    const regional = bedrock('us.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(regional.inputPerMTok).toBeCloseTo(3.3);
    expect(regional.outputPerMTok).toBeCloseTo(16.5);
    expect(regional.cachedInputPerMTok).toBeCloseTo(0.33);
    expect(regional.longContext).toMatchObject({ aboveTokens: 200_000 });
    expect(regional.longContext?.inputPerMTok).toBeCloseTo(6.6);
    expect(bedrock('anthropic.claude-haiku-4-5-20251001-v1:0').inputPerMTok).toBeCloseTo(1.1);
    expect(
      bedrock(
        'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-opus-4-5-20251101-v1:0',
      ).outputPerMTok,
    ).toBeCloseTo(27.5);
    // Before the 4.5 generation one rate everywhere: Anthropic's.
    expect(bedrock('us.anthropic.claude-sonnet-4-20250514-v1:0')).toEqual(anthropic('claude-sonnet-4'));
    expect(bedrock('anthropic.claude-3-haiku-20240307-v1:0:200k').inputPerMTok).toBe(0.25);
    expect(bedrock('anthropic.claude-3-5-sonnet-20241022-v2:0').inputPerMTok).toBe(3);
    // An application inference profile names no model; other vendors take Bedrock's own rates
    // (bedrock-workers-ai.test.ts), not Anthropic's.
    expect(bedrock('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123')).toEqual(
      UNKNOWN_MODEL_PRICE,
    );
    expect(bedrock('meta.llama3-70b-instruct-v1:0')).toMatchObject({
      inputPerMTok: 2.65,
      outputPerMTok: 3.5,
    });
  });

  it("knows Anthropic's -0 aliases and Cohere's dated ids", () => {
    const of = (model: string, type: string) => priceOf({ provider: 'x', model }, type, {});
    // The 4.6 generation, flat over its 1M window (it was charged as an unknown model, 3× Opus's price).
    expect(of('claude-opus-4-6', 'anthropic')).toMatchObject({ inputPerMTok: 5, outputPerMTok: 25 });
    expect(of('claude-sonnet-4-6', 'anthropic').longContext).toBeUndefined();
    expect(
      priceOf({ provider: 'b', model: 'global.anthropic.claude-opus-4-6-v1' }, 'bedrock', {}).inputPerMTok,
    ).toBe(5);
    expect(of('claude-sonnet-4-0', 'anthropic')).toEqual(of('claude-sonnet-4', 'anthropic'));
    expect(of('claude-opus-4-0', 'anthropic').inputPerMTok).toBe(15);
    expect(of('command-r-08-2024', 'cohere')).toEqual(of('command-r', 'cohere'));
    expect(of('gemini-3-pro-preview', 'gemini')).toMatchObject({ inputPerMTok: 2, outputPerMTok: 12 });
    expect(of('gemini-3-flash-preview', 'gemini')).toMatchObject({ inputPerMTok: 0.5, outputPerMTok: 3 });
    expect(of('command-a-03-2025', 'cohere').inputPerMTok).toBe(2.5);
  });

  it('never prices a dearer new model below its list price (pro tiers, GPT-5.4 over 272k, image output)', () => {
    // Unknown models cost $15/$75: less than these, so a budget reserved and charged too little.
    expect(price('gpt-5.2-pro')).toMatchObject({ inputPerMTok: 21, outputPerMTok: 168 });
    expect(price('gpt-5.2-pro-2025-12-11').outputPerMTok).toBe(168);
    expect(price('gpt-5.4-pro')).toMatchObject({ inputPerMTok: 30, outputPerMTok: 180 });
    // GPT-5.4 (and its pro) above 272k prompt tokens: 2× input and 1.5× output for the whole request.
    const long = { prompt_tokens: 300_000, completion_tokens: 1_000_000, total_tokens: 1_300_000 };
    expect(costOf(long, price('gpt-5.4'))).toBeCloseTo(0.3 * 5 + 22.5, 9);
    expect(costOf(long, price('gpt-5.4-pro'))).toBeCloseTo(0.3 * 60 + 270, 9);
    const short = { prompt_tokens: 272_000, completion_tokens: 0, total_tokens: 272_000 };
    expect(costOf(short, price('gpt-5.4'))).toBeCloseTo(0.272 * 2.5, 9);
    // Gemini 3 Pro Image's image tokens out at $120 per 1M tokens (its text and thinking at $12).
    const image = priceOf({ provider: 'g', model: 'gemini-3-pro-image-preview' }, 'gemini', {});
    expect(image).toMatchObject({ inputPerMTok: 2, outputPerMTok: 12, imageOutputPerMTok: 120 });
    // A Codex model at its base model's price, not an unknown model's (7.5× it).
    expect(price('gpt-5.1-codex-max')).toEqual(price('gpt-5.1-codex'));
  });

  it('charges an absurd usage report as 100 million tokens, never as an infinite (booked as $0) cost', () => {
    const cost = costOf({ prompt_tokens: 1e308, completion_tokens: 0, total_tokens: 1e308 }, price('gpt-4o'));
    expect(cost).toBe(250);
  });
});

describe('costOf and the service tier', () => {
  const usage = { prompt_tokens: 1_000, completion_tokens: 100, total_tokens: 1_100 };
  const standard = costOf(usage, price('gpt-4o-mini'));

  it('charges priority at twice the standard rates, wherever it was served', () => {
    expect(costOf(usage, price('gpt-4o-mini'), 'priority')).toBeCloseTo(2 * standard, 15);
    expect(costOf(usage, price('gpt-4o-mini'), 'priority', true)).toBeCloseTo(2 * standard, 15);
  });

  it('charges flex at half only where the provider bills it so, else at the standard rates', () => {
    expect(costOf(usage, price('gpt-4o-mini'), 'flex', true)).toBeCloseTo(standard / 2, 15);
    expect(costOf(usage, price('gpt-4o-mini'), 'flex')).toBeCloseTo(standard, 15);
    for (const tier of ['default', 'auto', 'on_demand', undefined, 42])
      expect(costOf(usage, price('gpt-4o-mini'), tier, true)).toBeCloseTo(standard, 15);
  });
});
