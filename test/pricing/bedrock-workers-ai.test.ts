// Workers AI's chat models and Bedrock's non-Claude models at their own rates: both were charged as
// unknown models ($15 / $75), 50 to 300 times their price.
import { describe, expect, it } from 'vitest';
import { bedrockBaseModel } from '../../src/pricing/bedrock-base-model';
import { priceOf } from '../../src/pricing/cost';
import { UNKNOWN_MODEL_PRICE } from '../../src/pricing/prices';
import { ANTHROPIC_PRICES } from '../../src/pricing/prices-anthropic';
import { GOOGLE_PRICES } from '../../src/pricing/prices-google';
import { OPENAI_PRICES } from '../../src/pricing/prices-openai';
import { OTHER_PRICES } from '../../src/pricing/prices-others';
import { WORKERS_AI_PRICES } from '../../src/pricing/prices-workers-ai';

const of = (providerType: string, model: string, pricing = {}) =>
  priceOf({ provider: 'p', model }, providerType, pricing);
const rates = (providerType: string, model: string) => {
  const { inputPerMTok, outputPerMTok } = of(providerType, model);
  return [inputPerMTok, outputPerMTok];
};

describe("Workers AI's chat models", () => {
  it('charges each at its listed rate per million tokens, by the part of its id after the last "/"', () => {
    for (const [model, input, output] of [
      ['@cf/meta/llama-3.1-8b-instruct', 0.282, 0.827],
      ['@cf/meta/llama-3.3-70b-instruct-fp8-fast', 0.293, 2.253],
      ['@cf/mistralai/mistral-small-3.1-24b-instruct', 0.35, 0.56],
      ['@cf/qwen/qwq-32b', 0.66, 1],
      ['@cf/qwen/qwen2.5-coder-32b-instruct', 0.66, 1],
      ['@cf/google/gemma-3-12b-it', 0.35, 0.56],
      ['@cf/deepseek-ai/deepseek-r1-distill-qwen-32b', 0.497, 4.881],
      ['@cf/meta/llama-4-scout-17b-16e-instruct', 0.27, 0.85],
      ['@cf/openai/gpt-oss-120b', 0.35, 0.75],
      ['@cf/moonshotai/kimi-k2.6', 0.95, 4],
    ] as const)
      expect(rates('workers-ai', model), model).toEqual([input, output]);
  });

  it('charges a quantised -fast variant at its own rates, not as the cheaper-output model it extends', () => {
    expect(rates('workers-ai', '@cf/meta/llama-3.1-8b-instruct-fp8-fast')).toEqual([0.045, 0.384]);
    expect(rates('workers-ai', '@cf/meta/llama-3.1-8b-instruct-fp8')).toEqual([0.152, 0.287]);
  });

  it("charges DeepSeek V4 Flash's dated release at Workers AI's rates, dearer than DeepSeek's own", () => {
    expect(of('workers-ai', '@cf/deepseek-ai/deepseek-v4-flash-0731')).toMatchObject({
      inputPerMTok: 0.44,
      outputPerMTok: 1.32,
      cachedInputPerMTok: 0.014,
    });
  });

  it('names no model in two tables', () => {
    const others = [OPENAI_PRICES, ANTHROPIC_PRICES, GOOGLE_PRICES, OTHER_PRICES];
    for (const name of Object.keys(WORKERS_AI_PRICES))
      expect(
        others.some((table) => Object.hasOwn(table, name)),
        name,
      ).toBe(false);
  });
});

describe("Bedrock's non-Claude models", () => {
  it('charges plain ids, geographic and global profiles and ARNs at Bedrock’s rates', () => {
    for (const [model, input, output] of [
      ['amazon.nova-pro-v1:0', 0.8, 3.2],
      ['us.amazon.nova-lite-v1:0', 0.06, 0.24],
      ['amazon.nova-2-lite-v1:0', 0.33, 2.75],
      ['global.amazon.nova-2-lite-v1:0', 0.33, 2.75],
      ['amazon.nova-pro-v1:0:300k', 0.8, 3.2],
      ['meta.llama3-3-70b-instruct-v1:0', 0.72, 0.72],
      ['us.meta.llama4-maverick-17b-instruct-v1:0', 0.24, 0.97],
      [
        'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama4-scout-17b-instruct-v1:0',
        0.17,
        0.66,
      ],
      ['arn:aws:bedrock:us-east-2::foundation-model/deepseek.r1-v1:0', 1.35, 5.4],
      ['openai.gpt-oss-120b-1:0', 0.15, 0.6],
      ['openai.gpt-oss-20b', 0.07, 0.3],
      ['deepseek.v3-v1:0', 0.5974, 1.7304],
      ['deepseek.v3.2', 0.62, 1.85],
      ['mistral.mistral-large-2407-v1:0', 3, 9],
      ['mistral.mixtral-8x7b-instruct-v0:1', 0.45, 0.7],
      ['qwen.qwen3-32b-v1:0', 0.15, 0.6],
      ['cohere.command-r-plus-v1:0', 3, 15],
      ['eu.mistral.pixtral-large-2502-v1:0', 2, 6],
      ['apac.amazon.nova-micro-v1:0', 0.035, 0.14],
    ] as const)
      expect(rates('bedrock', model), model).toEqual([input, output]);
    expect(of('bedrock', 'us.amazon.nova-pro-v1:0').cachedInputPerMTok).toBe(0.2);
  });

  it('tells Titan Text Embeddings V1 from V2, a fifth of its price', () => {
    expect(rates('bedrock', 'amazon.titan-embed-text-v1')).toEqual([0.1, 0]);
    expect(rates('bedrock', 'amazon.titan-embed-text-v1:2:8k')).toEqual([0.1, 0]);
    expect(rates('bedrock', 'amazon.titan-embed-text-v2:0')).toEqual([0.02, 0]);
    expect(rates('bedrock', 'cohere.embed-english-v3')).toEqual([0.1, 0]);
    expect(rates('bedrock', 'cohere.embed-v4:0')).toEqual([0.12, 0]);
  });

  it("prices Bedrock's ids only for a bedrock provider, and other hosts' names not as Bedrock's", () => {
    expect(of('openai', 'amazon.nova-pro-v1:0')).toEqual(UNKNOWN_MODEL_PRICE);
    // Cohere's own Command R+ costs less than Bedrock's.
    expect(rates('cohere', 'command-r-plus')).toEqual([2.5, 10]);
    expect(rates('bedrock', 'cohere.command-r-plus-v1:0')).toEqual([3, 15]);
  });

  it("still charges a Claude id Anthropic's price, and an unknown id the unknown price", () => {
    expect(of('bedrock', 'anthropic.claude-3-5-haiku-20241022-v1:0')).toEqual(
      of('anthropic', 'claude-3-5-haiku'),
    );
    expect(rates('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0').map((r) => r.toFixed(2))).toEqual(
      ['3.30', '16.50'],
    );
    for (const model of [
      'amazon.nova-pro-v2:0',
      'us.acme.unreleased-model-v1:0',
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123',
      'constructor',
    ])
      expect(of('bedrock', model), model).toEqual(UNKNOWN_MODEL_PRICE);
  });

  it("lets the config's pricing override Bedrock's table", () => {
    const own = { inputPerMTok: 1, outputPerMTok: 4 };
    expect(of('bedrock', 'us.amazon.nova-pro-v1:0', { 'p/us.amazon.nova-pro-v1:0': own })).toEqual(own);
  });

  it('reduces an id to its provider-qualified base model', () => {
    expect(bedrockBaseModel('us.meta.llama4-maverick-17b-instruct-v1:0')).toBe(
      'meta.llama4-maverick-17b-instruct',
    );
    expect(bedrockBaseModel('global.amazon.nova-2-lite-v1:0')).toBe('amazon.nova-2-lite');
    expect(bedrockBaseModel('us-gov.amazon.nova-pro-v1:0')).toBe('amazon.nova-pro');
    expect(bedrockBaseModel('openai.gpt-oss-120b-1:0')).toBe('openai.gpt-oss-120b');
    expect(bedrockBaseModel('deepseek.v3.2')).toBe('deepseek.v3.2');
    expect(bedrockBaseModel('amazon.titan-embed-text-v2:0')).toBe('amazon.titan-embed-text-v2');
    expect(bedrockBaseModel('meta.llama3-1-8b-instruct-v1:0')).toBe('meta.llama3-1-8b-instruct');
  });
});
