// The values of OpenAI's reasoning_effort and what they buy, shared by every provider's mapping
// (src/providers/reasoning-effort.ts). The mappings themselves are tested through the Worker in
// claude-thinking, gemini-thinking, cohere-thinking, bedrock-reasoning and workers-ai-effort.
import { describe, expect, it } from 'vitest';
import { effortBudget, gptOssEffort, reasoningEffort } from '../../src/providers/reasoning-effort';
import { Unsupported } from '../../src/providers/types';

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;

/** What `run` throws; undefined when it returns. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('reasoning_effort values', () => {
  it("takes OpenAI's values, unset as none asked, and refuses any other naming the provider", () => {
    expect(reasoningEffort({}, 'Cohere')).toBeUndefined();
    expect(reasoningEffort({ reasoning_effort: null }, 'Cohere')).toBeUndefined();
    for (const effort of EFFORTS)
      expect(reasoningEffort({ reasoning_effort: effort }, 'Cohere')).toBe(effort);
    for (const value of ['extreme', 'HIGH', 3]) {
      const refusal = thrown(() => reasoningEffort({ reasoning_effort: value }, 'Cohere'));
      expect(refusal, String(value)).toBeInstanceOf(Unsupported);
      expect(refusal).toMatchObject({
        param: 'reasoning_effort',
        message: expect.stringMatching(/^Cohere /),
      });
    }
  });

  it('tells the budget an effort may buy, none for none, unset or an unknown value, never throwing', () => {
    expect(EFFORTS.map((effort) => effortBudget({ reasoning_effort: effort }))).toEqual([
      undefined,
      1024,
      1024,
      8192,
      24_576,
      24_576,
      24_576,
    ]);
    for (const value of [undefined, null, 'extreme', 3])
      expect(effortBudget({ reasoning_effort: value }), String(value)).toBeUndefined();
  });

  it("puts every effort on gpt-oss's low, medium and high: none and minimal low, xhigh and max high", () => {
    expect(EFFORTS.map(gptOssEffort)).toEqual(['low', 'low', 'low', 'medium', 'high', 'high', 'high']);
  });
});
