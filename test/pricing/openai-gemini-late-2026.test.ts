// OpenAI's GPT-5.5 to GPT-6.2 and Google's Gemini 3.1 to Gemini 4 at their list prices
// (developers.openai.com's model pages, ai.google.dev's pricing page), rather than an unknown
// model's; OpenAI's cache writes (cache_write_tokens) and ultrafast tier charged as billed.
import { describe, expect, it } from 'vitest';
import { costOf, priceOf, worstCaseCost } from '../../src/pricing/cost';
import { UNKNOWN_MODEL_PRICE } from '../../src/pricing/prices';
import { countedUsage } from '../../src/pricing/usage';

const openai = (model: string) => priceOf({ provider: 'o', model }, 'openai', {});
const gemini = (model: string) => priceOf({ provider: 'g', model }, 'gemini', {});

/** USD per million tokens of each kind, as OpenAI reports them, on `prompt` prompt tokens. */
function rates(price: ReturnType<typeof openai>, prompt = 100_000) {
  const scale = 1_000_000 / prompt;
  const input = (details: Record<string, number>) =>
    scale *
    costOf(
      { prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt, prompt_tokens_details: details },
      price,
    );
  return {
    input: input({}),
    output:
      scale * costOf({ prompt_tokens: prompt, completion_tokens: prompt, total_tokens: 2 * prompt }, price) -
      input({}),
    read: input({ cached_tokens: prompt }),
    // OpenAI's own usage report, as chat completions and the Responses translation carry it.
    write: input({ cache_write_tokens: prompt }),
  };
}

describe('OpenAI GPT-5.5 to GPT-6.2 prices', () => {
  it('charges each model its list rates: input, output, cached input and cache writes', () => {
    for (const [model, input, output, read, write] of [
      ['gpt-5.5', 5, 30, 0.5, 5],
      ['gpt-5.5-pro', 30, 180, 30, 30],
      ['gpt-5.6', 5, 30, 0.5, 6.25],
      ['gpt-5.6-sol', 5, 30, 0.5, 6.25],
      ['gpt-5.6-terra', 2, 12, 0.2, 2.5],
      ['gpt-5.6-luna', 0.2, 1.2, 0.02, 0.25],
      ['gpt-6-astra', 10, 50, 1, 12.5],
      ['gpt-6-sol', 2, 10, 0.2, 2.5],
      ['gpt-6-luna', 0.1, 0.5, 0.01, 0.125],
      ['gpt-6.1-sol', 2, 10, 0.1, 2.5],
      ['gpt-6.1-sol-2026-09-29', 2, 10, 0.1, 2.5],
      ['gpt-6.1-terra', 1, 5, 0.05, 1.25],
      ['gpt-6.2-astra', 8, 40, 8, 8],
      ['gpt-6.2-sol', 2, 10, 0.1, 2.5],
    ] as const) {
      const charged = rates(openai(model));
      expect(charged.input, model).toBeCloseTo(input, 9);
      expect(charged.output, model).toBeCloseTo(output, 9);
      expect(charged.read, model).toBeCloseTo(read, 9);
      expect(charged.write, model).toBeCloseTo(write, 9);
    }
  });

  it('charges the whole request 2× input, reads and writes and 1.5× output past 272k prompt tokens', () => {
    for (const [model, input, output, read, write] of [
      ['gpt-5.6-sol', 10, 45, 1, 12.5],
      ['gpt-5.6-luna', 0.4, 1.8, 0.04, 0.5],
      ['gpt-6-astra', 20, 75, 2, 25],
      ['gpt-6.1-sol', 4, 15, 0.2, 5],
      ['gpt-6.2-sol', 4, 15, 0.2, 5],
    ] as const) {
      const charged = rates(openai(model), 300_000);
      expect(charged.input, model).toBeCloseTo(input, 9);
      expect(charged.output, model).toBeCloseTo(output, 9);
      expect(charged.read, model).toBeCloseTo(read, 9);
      expect(charged.write, model).toBeCloseTo(write, 9);
    }
    expect(rates(openai('gpt-6.2-sol'), 272_000).input).toBeCloseTo(2, 9);
  });

  it('leaves names it has no price for to the unknown-model rate, not a neighbour by prefix', () => {
    for (const model of ['gpt-5.6-cyber', 'gpt-6-astra-pro', 'gpt-6.3-sol'])
      expect(openai(model), model).toEqual(UNKNOWN_MODEL_PRICE);
  });

  it("reads OpenAI's cache_write_tokens as cache writes", () => {
    const usage = countedUsage({
      prompt_tokens: 1000,
      completion_tokens: 10,
      total_tokens: 1010,
      prompt_tokens_details: { cached_tokens: 200, cache_write_tokens: 300 },
    });
    expect(usage?.prompt_tokens_details).toMatchObject({ cached_tokens: 200, cache_creation_tokens: 300 });
  });

  it("charges OpenAI's ultrafast tier at three times the standard rates, and reserves so", () => {
    const usage = { prompt_tokens: 100_000, completion_tokens: 0, total_tokens: 100_000 };
    const sol = openai('gpt-6.2-sol');
    // Until 2027-02-28 (six times from 2027-03-01: price-changes.test.ts).
    const served = Date.parse('2026-12-06T00:00:00Z');
    expect(costOf(usage, sol, 'ultrafast', true, served)).toBeCloseTo(3 * 0.2, 9);
    // Every prompt token at the dearest rate it may be charged: a cache write's, 1.25× input.
    expect(worstCaseCost(100_000, 0, [sol], undefined, 'ultrafast', served)).toBeCloseTo(3 * 0.25, 9);
  });

  it('reserves a GPT-5.6 prompt at its cache-write rate, 1.25× input, not an hour-long write OpenAI never bills', () => {
    // 1M prompt tokens of GPT-5.6 Sol cost at most $6.25 (all written to the cache); past 272k, $12.50.
    expect(worstCaseCost(200_000, 0, [openai('gpt-5.6-sol')])).toBeCloseTo(0.2 * 6.25, 9);
    expect(worstCaseCost(300_000, 0, [openai('gpt-6-astra')])).toBeCloseTo(0.3 * 25, 9);
    const usage = { prompt_tokens: 300_000, completion_tokens: 0, total_tokens: 300_000 };
    const written = { ...usage, prompt_tokens_details: { cache_write_tokens: 300_000 } };
    expect(costOf(written, openai('gpt-6-astra'))).toBeCloseTo(
      worstCaseCost(300_000, 0, [openai('gpt-6-astra')]),
      9,
    );
    expect(costOf(usage, openai('gpt-6-astra'))).toBeCloseTo(0.3 * 20, 9);
  });
});

describe('Gemini 3.1 to Gemini 4 prices', () => {
  it('charges each model its list rates, previews as their model', () => {
    for (const [model, input, output] of [
      ['gemini-4-argon', 4, 20],
      ['gemini-4-carbon', 4, 20],
      ['gemini-4-neon', 3, 15],
      ['gemini-4-hydrogen', 1.5, 7.5],
      ['gemini-3.5-flash', 1.5, 9],
      ['gemini-3.5-flash-lite', 0.3, 2.5],
      ['gemini-3.1-pro-preview', 2, 12],
      ['gemini-embedding-2', 0.2, 0],
    ] as const) {
      const charged = rates(gemini(model));
      expect(charged.input, model).toBeCloseTo(input, 9);
      expect(charged.output, model).toBeCloseTo(output, 9);
    }
    expect(rates(gemini('gemini-4-argon')).read).toBeCloseTo(0.2, 9);
  });

  it("charges Gemini 3.1 Pro's long-context rates past 200k prompt tokens", () => {
    const charged = rates(gemini('gemini-3.1-pro-preview'), 250_000);
    expect(charged.input).toBeCloseTo(4, 9);
    expect(charged.output).toBeCloseTo(18, 9);
  });
});
