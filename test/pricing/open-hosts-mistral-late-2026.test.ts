// Prices researched in December 2026: Mistral's current models, Groq, Together AI and Fireworks,
// DeepSeek's retired names, Grok 4.20's multi-agent model and GPT-Realtime-2.1 mini. Open models
// are looked up by the part of their id after the last "/", so a name several hosts serve is
// charged the dearest host's rates; and a new entry must not reprice the ids that extend it.
import { describe, it } from 'vitest';
import { expectRates, price } from './rates';

describe("Mistral's current models", () => {
  it('charges each family its latest model through the -latest alias and dated snapshots', () => {
    for (const [model, input, output] of [
      ['mistral-large-latest', 1.36, 4.18],
      ['mistral-large-4', 1.36, 4.18],
      ['mistral-large-4-0', 1.36, 4.18],
      ['mistral-large-2611', 1.36, 4.18],
      ['mistral-medium-latest', 1.5, 7.5],
      ['mistral-medium-2604', 1.5, 7.5],
      ['mistral-medium-3.5', 1.5, 7.5],
      ['mistral-small-latest', 0.15, 0.6],
      ['mistral-small-2603', 0.15, 0.6],
      ['magistral-medium-latest', 2, 7.5],
      ['magistral-small-latest', 0.5, 1.5],
      ['codestral-latest', 0.3, 0.9],
      ['codestral-2508', 0.3, 0.9],
      ['devstral-latest', 0.4, 2],
      ['devstral-2512', 0.4, 2],
      ['devstral-medium-latest', 0.4, 2],
      ['ministral-14b-latest', 0.2, 0.2],
      ['ministral-8b-2512', 0.15, 0.15],
      ['ministral-3b-latest', 0.1, 0.1],
    ] as const)
      expectRates(price('mistral', model), { input, output }, model);
    expectRates(price('mistral', 'mistral-large-latest'), { read: 0.14 }, 'mistral-large-latest');
  });

  it('keeps older snapshots at their own prices, not those of the family name they extend', () => {
    expectRates(price('mistral', 'mistral-large-2512'), { input: 0.5, output: 1.5 }, 'Large 3');
    expectRates(price('mistral', 'mistral-large-2411'), { input: 2, output: 6 }, 'Large 2.1');
  });

  it('charges Devstral Small as Devstral, the dearer model, by the cheaper-tier rule', () => {
    expectRates(price('mistral', 'devstral-small-2'), { input: 0.4, output: 2 }, 'devstral-small-2');
  });
});

describe('Groq, Together AI and Fireworks', () => {
  it('charges a model several hosts serve at the dearest host’s rates, whichever serves it', () => {
    for (const model of [
      'openai/gpt-oss-120b',
      'accounts/fireworks/models/gpt-oss-120b',
      '@cf/openai/gpt-oss-120b',
    ])
      expectRates(price('openai', model), { input: 0.35, output: 0.75, read: 0.075 }, model);
    expectRates(
      price('groq', 'openai/gpt-oss-20b'),
      { input: 0.2, output: 0.3, read: 0.0375 },
      'gpt-oss-20b',
    );
    expectRates(
      price('groq', 'meta-llama/llama-4-scout-17b-16e-instruct'),
      { input: 0.27, output: 0.85 },
      'llama-4-scout',
    );
  });

  it("charges each host's own models at its list rates", () => {
    for (const [model, input, output, read] of [
      ['qwen/qwen3-32b', 0.29, 0.59, 0.29],
      ['qwen/qwen3.8-27b', 0.8, 4, 0.4],
      ['moonshotai/kimi-k2-instruct-0905', 1, 3, 0.5],
      ['moonshotai/Kimi-K2-Instruct-0905', 1, 3, 1],
      ['moonshotai/Kimi-K2-Thinking', 1.2, 4, 1.2],
      ['meta-llama/Llama-3.3-70B-Instruct-Turbo', 0.88, 0.88, 0.88],
      ['zai-org/GLM-5', 1, 3.2, 1],
      ['accounts/fireworks/models/llama-v3p3-70b-instruct', 0.9, 0.9, 0.9],
      ['accounts/fireworks/models/kimi-k2p6', 0.95, 4, 0.16],
      ['accounts/fireworks/models/deepseek-v3p2', 0.56, 1.68, 0.28],
      ['accounts/fireworks/models/glm-5p1', 1.4, 4.4, 0.26],
    ] as const)
      expectRates(price('openai', model), { input, output, read }, model);
  });
});

describe("DeepSeek's retired names, Grok 4.20 Multi-Agent and GPT-Realtime-2.1 mini", () => {
  it('charges deepseek-chat and deepseek-reasoner as the Flash model they last named', () => {
    for (const model of ['deepseek-chat', 'deepseek-reasoner'])
      expectRates(price('deepseek', model), { input: 0.3, output: 1.2, read: 0.006 }, model);
  });

  it('charges the multi-agent model at Grok 4.20’s rates, twice from 200k prompt tokens', () => {
    for (const model of [
      'grok-4.20-multi-agent',
      'grok-4.20-multi-agent-0309',
      'grok-4.20-multi-agent-beta-0309',
    ]) {
      expectRates(price('xai', model), { input: 1.25, output: 2.5, read: 0.2 }, model);
      expectRates(price('xai', model), { input: 2.5, output: 5, read: 0.4 }, model, 200_000);
    }
  });

  it("charges GPT-Realtime-2.1 mini its own rates, not gpt-realtime-2.1's by the cheaper-tier rule", () => {
    expectRates(
      price('openai', 'gpt-realtime-2.1-mini'),
      { input: 0.6, output: 2.4, read: 0.3, audioIn: 10, audioOut: 20 },
      'gpt-realtime-2.1-mini',
    );
    expectRates(price('openai', 'gpt-realtime-2.1'), { input: 4, audioIn: 32 }, 'gpt-realtime-2.1');
  });
});
