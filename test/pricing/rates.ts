// Shared by the price tests: a model's bundled price, and the rates a price charges, read back
// through costOf (so a test checks what is charged, not how the table spells it).
import { expect } from 'vitest';
import { costOf, priceOf } from '../../src/pricing/cost';
import type { Price } from '../../src/pricing/prices';

export const price = (providerType: string, model: string) =>
  priceOf({ provider: 'p', model }, providerType, {});

/** USD per million tokens of each kind, on `prompt` prompt tokens. */
function rates(charged: Price, prompt = 100_000) {
  const scale = 1_000_000 / prompt;
  const usage = (details: Record<string, number>, completion = 0, completionDetails = {}) => ({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: details,
    completion_tokens_details: completionDetails,
  });
  const input = scale * costOf(usage({}), charged);
  return {
    input,
    output: scale * costOf(usage({}, prompt), charged) - input,
    read: scale * costOf(usage({ cached_tokens: prompt }), charged),
    audioIn: scale * costOf(usage({ audio_tokens: prompt }), charged),
    audioOut: scale * costOf(usage({}, prompt, { audio_tokens: prompt }), charged) - input,
  };
}

export function expectRates(
  charged: Price,
  expected: Partial<ReturnType<typeof rates>>,
  model: string,
  prompt?: number,
) {
  const actual = rates(charged, prompt);
  for (const [kind, value] of Object.entries(expected))
    expect(actual[kind as keyof typeof actual], `${model} ${kind}`).toBeCloseTo(value, 9);
}
