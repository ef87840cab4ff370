// Models Workers AI and Bedrock serve that were charged as unknown ($15 / $75): Workers AI's GLM 5.3
// and 4.7 Flash, Kimi K2.7 Code, Nemotron 3 Super and Gemma 4; Bedrock's OpenAI GPT models, Qwen3
// Coder 30B, Kimi K2.5, Gemma 4, Nova 2 Omni and Sonic; and GPT-5.5's rates past 272k prompt tokens.
import { describe, expect, it } from 'vitest';
import { UNKNOWN_MODEL_PRICE } from '../../src/pricing/prices';
import { expectRates, price } from './rates';

describe("Workers AI's late-2026 chat models", () => {
  it('charges each its listed rates, cache reads apart where Cloudflare lists them', () => {
    for (const [model, input, output, read] of [
      ['@cf/moonshotai/kimi-k2.7-code', 0.95, 4, 0.19],
      ['@cf/zai-org/glm-5.3', 1.4, 4.4, 0.26],
      ['@cf/zai-org/glm-5.3-flash', 0.15, 0.5, 0.03],
      ['@cf/zai-org/glm-4.7-flash', 0.0605, 0.4, 0.0605],
      ['@cf/nvidia/nemotron-3-120b-a12b', 0.5, 1.5, 0.5],
      ['@cf/google/gemma-4-26b-a4b-it', 0.1, 0.3, 0.1],
    ] as const)
      expectRates(price('workers-ai', model), { input, output, read }, model);
  });
});

describe("Bedrock's late-2026 models", () => {
  it('charges plain ids, profiles and Mantle ids at Bedrock’s rates', () => {
    for (const [model, input, output, read] of [
      ['openai.gpt-5.5', 5.5, 33, 0.55],
      ['openai.gpt-5.4', 2.75, 16.5, 0.275],
      ['us.openai.gpt-5.6-terra', 2.2, 13.2, 0.22],
      ['global.openai.gpt-5.6-terra', 2.2, 13.2, 0.22],
      ['openai.gpt-5.6-luna', 0.22, 1.32, 0.022],
      ['qwen.qwen3-coder-30b-a3b-v1:0', 0.15, 0.6, 0.15],
      ['qwen.qwen3-coder-30b-a3b-instruct', 0.15, 0.6, 0.15],
      ['moonshotai.kimi-k2.5', 0.6, 3, 0.6],
      ['google.gemma-4-31b', 0.14, 0.4, 0.14],
      ['google.gemma-4-26b-a4b', 0.13, 0.4, 0.13],
      ['google.gemma-4-e2b', 0.04, 0.08, 0.04],
      ['us.amazon.nova-2-omni-v1:0', 0.3, 2.8, 0.3],
      ['amazon.nova-2-sonic-v1:0', 0.33, 2.75, 0.33],
    ] as const)
      expectRates(price('bedrock', model), { input, output, read }, model);
  });

  it("charges Nova 2 Sonic's speech at its own rates", () => {
    expectRates(price('bedrock', 'amazon.nova-2-sonic-v1:0'), { audioIn: 3, audioOut: 12 }, 'nova-2-sonic');
  });

  it('charges GPT-5.6 Terra and Luna 2× input and reads and 1.5× output past 272k, not GPT-5.5', () => {
    expectRates(
      price('bedrock', 'us.openai.gpt-5.6-terra'),
      { input: 4.4, output: 19.8, read: 0.44 },
      'gpt-5.6-terra',
      300_000,
    );
    expectRates(
      price('bedrock', 'openai.gpt-5.6-luna'),
      { input: 0.44, output: 1.98, read: 0.044 },
      'gpt-5.6-luna',
      300_000,
    );
    expectRates(price('bedrock', 'openai.gpt-5.5'), { input: 5.5, output: 33 }, 'gpt-5.5', 300_000);
  });

  it('leaves GPT-5.6 Sol, whose rate past its promotion is not known, to the unknown-model rate', () => {
    expect(price('bedrock', 'us.openai.gpt-5.6-sol')).toEqual(UNKNOWN_MODEL_PRICE);
  });
});

describe("OpenAI's GPT-5.5 past 272k prompt tokens", () => {
  it('charges the whole request 2× input and cache reads and 1.5× output', () => {
    expectRates(price('openai', 'gpt-5.5'), { input: 10, output: 45, read: 1 }, 'gpt-5.5', 300_000);
    expectRates(price('openai', 'gpt-5.5-pro'), { input: 60, output: 270 }, 'gpt-5.5-pro', 300_000);
    expectRates(price('openai', 'gpt-5.5'), { input: 5, output: 30 }, 'gpt-5.5', 272_000);
  });
});
