// The late-2026 models the first pass left out or priced only in part: Gemini's cache reads, Gemini
// 3.1 Flash-Lite and 3.6/3.7 Flash, GPT-5.4 mini and nano at their own rates (not GPT-5.4's), the
// newer realtime and audio models, DeepSeek's current names and xAI's Grok 4.x.
import { describe, expect, it } from 'vitest';
import { UNKNOWN_MODEL_PRICE } from '../../src/pricing/prices';
import { expectRates, price } from './rates';

describe("Gemini's cache reads and newer models", () => {
  it('charges a cache read at its own rate, not the input price', () => {
    for (const [model, input, output, read] of [
      ['gemini-4-neon', 3, 15, 0.15],
      ['gemini-4-hydrogen', 1.5, 7.5, 0.075],
      ['gemini-3.5-flash', 1.5, 9, 0.15],
      ['gemini-3.5-flash-lite', 0.3, 2.5, 0.03],
      ['gemini-3.1-pro-preview', 2, 12, 0.2],
      ['gemini-3.1-flash-lite', 0.25, 1.5, 0.025],
      ['gemini-3.1-flash-lite-preview', 0.25, 1.5, 0.025],
    ] as const)
      expectRates(price('gemini', model), { input, output, read }, model);
  });

  it("charges Gemini 3.1 Pro's cache reads at the long-context rate past 200k prompt tokens", () => {
    expectRates(
      price('gemini', 'gemini-3.1-pro'),
      { input: 4, output: 18, read: 0.4 },
      'gemini-3.1-pro',
      250_000,
    );
  });

  it("charges Gemini 3.1 Flash-Lite's audio input at its own rate", () => {
    expectRates(price('gemini', 'gemini-3.1-flash-lite'), { audioIn: 0.5 }, 'gemini-3.1-flash-lite');
  });

  it('leaves the Flash-Lite image model to the unknown-model rate', () => {
    expect(price('gemini', 'gemini-3.1-flash-lite-image')).toEqual(UNKNOWN_MODEL_PRICE);
  });
});

describe('OpenAI GPT-5.4 mini and nano, realtime and audio models', () => {
  it('charges GPT-5.4 mini and nano their own rates, not GPT-5.4 by the cheaper-tier rule', () => {
    for (const [model, input, output, read] of [
      ['gpt-5.4-mini', 0.75, 4.5, 0.075],
      ['gpt-5.4-mini-2026-03-17', 0.75, 4.5, 0.075],
      ['gpt-5.4-nano', 0.2, 1.25, 0.02],
    ] as const)
      expectRates(price('openai', model), { input, output, read }, model);
  });

  it('charges text and audio of the realtime and audio models at their rates', () => {
    for (const [model, input, output, read, audioIn, audioOut] of [
      ['gpt-realtime-2', 4, 24, 0.4, 32, 64],
      ['gpt-realtime-2.1', 4, 24, 0.4, 32, 64],
      ['gpt-audio-1.5', 2.5, 10, 2.5, 32, 64],
    ] as const)
      expectRates(price('openai', model), { input, output, read, audioIn, audioOut }, model);
  });
});

describe('DeepSeek and xAI current models', () => {
  it("charges DeepSeek's current names at their peak rates, cache hits apart", () => {
    for (const [model, input, output, read] of [
      ['deepseek-flash', 0.3, 1.2, 0.006],
      ['deepseek-v4-flash', 0.3, 1.2, 0.006],
      ['deepseek-v4-pro', 1.32, 3.96, 0.044],
    ] as const)
      expectRates(price('openai', model), { input, output, read }, model);
  });

  it('charges Grok 4.x its list rates, and twice every rate from 200k prompt tokens', () => {
    for (const [model, input, output, read] of [
      ['grok-4.7', 2, 6, 0.5],
      ['grok-4.6', 2, 6, 0.5],
      ['grok-4.5', 2, 6, 0.5],
      ['grok-4.3', 1.25, 2.5, 0.2],
      ['grok-4.20', 1.25, 2.5, 0.2],
      ['grok-4.20-0309', 1.25, 2.5, 0.2],
      ['grok-4.20-0309-reasoning', 1.25, 2.5, 0.2],
      ['grok-4.20-0309-non-reasoning', 1.25, 2.5, 0.2],
      ['grok-4.20-reasoning-latest', 1.25, 2.5, 0.2],
    ] as const) {
      expectRates(price('openai', model), { input, output, read }, model);
      expectRates(
        price('openai', model),
        { input: 2 * input, output: 2 * output, read: 2 * read },
        model,
        200_000,
      );
    }
    expectRates(price('openai', 'grok-4.7'), { input: 2 }, 'grok-4.7', 199_999);
  });

  it('leaves Grok names it has no price for to the unknown-model rate, not grok-4 by prefix', () => {
    for (const model of ['grok-4.8', 'grok-5'])
      expect(price('openai', model), model).toEqual(UNKNOWN_MODEL_PRICE);
  });
});
