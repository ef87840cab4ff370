// reasoning_effort through Bedrock, for each family: Claude's thinking (src/providers/claude-thinking.ts,
// with the betas Claude models there take), Amazon Nova 2's reasoningConfig and OpenAI's models'
// fields (src/providers/bedrock-reasoning.ts): the exact Converse body, what wins, what is refused.
import { describe, expect, it } from 'vitest';
import { chat } from '../helpers/gateway';
import { GPT_OSS_LEVELS, hello, refused, sent, setup } from '../helpers/reasoning-gateway';

describe('reasoning_effort and betas to Bedrock', () => {
  const SONNET = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

  it("maps to Claude's thinking in additionalModelRequestFields, with room for it in maxTokens", async () => {
    const key = await setup();
    const body = await sent(key, { model: `aws/${SONNET}`, reasoning_effort: 'medium' });
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 8192 } });
    expect(body.inferenceConfig).toEqual({ maxTokens: 4096 + 8192 });
    expect(body).not.toHaveProperty('reasoning_effort');
    const capped = await sent(key, { model: `aws/${SONNET}`, reasoning_effort: 'high', max_tokens: 3000 });
    expect(capped.inferenceConfig).toEqual({ maxTokens: 3000 });
    expect(capped.additionalModelRequestFields.thinking).toEqual({ type: 'enabled', budget_tokens: 2999 });
    const adaptive = await sent(key, {
      model: 'aws/us.anthropic.claude-opus-4-6-v1',
      reasoning_effort: 'low',
    });
    expect(adaptive.additionalModelRequestFields).toEqual({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'low' },
    });
    // The client's own thinking wins, top level or inside additionalModelRequestFields.
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    for (const native of [{ thinking }, { additionalModelRequestFields: { thinking } }]) {
      const own = await sent(key, { model: `aws/${SONNET}`, reasoning_effort: 'high', ...native });
      expect(own.additionalModelRequestFields).toEqual({ thinking });
    }
  });

  it('refuses reasoning_effort on other families and on Claude models that cannot think', async () => {
    const key = await setup();
    for (const model of ['amazon.nova-pro-v1:0', 'anthropic.claude-3-5-sonnet-20240620-v1:0']) {
      const error = await refused(key, { model: `aws/${model}`, reasoning_effort: 'low' });
      expect(error.param, model).toBe('reasoning_effort');
    }
  });

  it("passes the anthropic-beta header's betas to Claude models as anthropic_beta, merged with the body's", async () => {
    const key = await setup();
    const beta = { 'anthropic-beta': 'interleaved-thinking-2025-05-14, context-1m-2025-08-07' };
    const body = await sent(
      key,
      {
        model: `aws/${SONNET}`,
        additionalModelRequestFields: { anthropic_beta: ['context-1m-2025-08-07', 'token-efficient-tools'] },
      },
      beta,
    );
    expect(body.additionalModelRequestFields.anthropic_beta).toEqual([
      'context-1m-2025-08-07',
      'token-efficient-tools',
      'interleaved-thinking-2025-05-14',
    ]);
    const nova = await sent(key, { model: 'aws/amazon.nova-pro-v1:0' }, beta);
    expect(nova).not.toHaveProperty('additionalModelRequestFields');
    const error = await refused(
      key,
      { model: `aws/${SONNET}`, additionalModelRequestFields: { anthropic_beta: 'not-a-list' } },
      beta,
    );
    expect(error.param).toBe('additionalModelRequestFields.anthropic_beta');
  });

  it("sends Bedrock only the betas it takes: Claude Code's first-party ones would fail the request", async () => {
    const key = await setup();
    const claudeCode = {
      'anthropic-beta':
        'claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14,prompt-caching-scope-2026-01-05',
    };
    const body = await sent(key, { model: `aws/${SONNET}` }, claudeCode);
    expect(body.additionalModelRequestFields.anthropic_beta).toEqual(['interleaved-thinking-2025-05-14']);
    const none = await sent(key, { model: `aws/${SONNET}` }, { 'anthropic-beta': 'claude-code-20250219' });
    expect(none).not.toHaveProperty('additionalModelRequestFields');
    // What the body names itself is the client's to answer for: sent as it is.
    const own = await sent(
      key,
      { model: `aws/${SONNET}`, additionalModelRequestFields: { anthropic_beta: ['some-beta-2026-01-01'] } },
      claudeCode,
    );
    expect(own.additionalModelRequestFields.anthropic_beta).toEqual([
      'some-beta-2026-01-01',
      'interleaved-thinking-2025-05-14',
    ]);
  });
});

describe('reasoning_effort to Amazon Nova 2 on Bedrock', () => {
  const LITE = 'us.amazon.nova-2-lite-v1:0';

  it('maps to reasoningConfig in additionalModelRequestFields, none disabled', async () => {
    const key = await setup();
    for (const [effort, level] of [
      ['minimal', 'low'],
      ['low', 'low'],
      ['medium', 'medium'],
      ['high', 'high'],
      ['xhigh', 'high'],
    ] as const) {
      const body = await sent(key, { model: `aws/${LITE}`, reasoning_effort: effort });
      expect(body.additionalModelRequestFields, effort).toEqual({
        reasoningConfig: { type: 'enabled', maxReasoningEffort: level },
      });
      // An effort, not a budget: no maxTokens of the gateway's (AWS refuses one at high).
      expect(body).not.toHaveProperty('inferenceConfig');
      expect(body).not.toHaveProperty('reasoning_effort');
    }
    expect(
      (await sent(key, { model: `aws/${LITE}`, reasoning_effort: 'none' })).additionalModelRequestFields,
    ).toEqual({ reasoningConfig: { type: 'disabled' } });
    // Model ids, inference profiles and ARNs of Nova 2 Lite and Pro.
    for (const model of [
      'amazon.nova-2-lite-v1:0',
      'global.amazon.nova-2-lite-v1:0',
      'amazon.nova-2-pro-v1:0',
      'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-2-lite-v1:0',
    ]) {
      const body = await sent(key, { model: `aws/${model}`, reasoning_effort: 'medium', max_tokens: 2000 });
      expect(body.additionalModelRequestFields.reasoningConfig, model).toEqual({
        type: 'enabled',
        maxReasoningEffort: 'medium',
      });
      expect(body.inferenceConfig).toEqual({ maxTokens: 2000 });
    }
  });

  it("lets the client's own reasoningConfig win, refuses high with a cap and Nova 1", async () => {
    const key = await setup();
    const reasoningConfig = { type: 'enabled', maxReasoningEffort: 'low' };
    for (const native of [{ reasoningConfig }, { additionalModelRequestFields: { reasoningConfig } }]) {
      const own = await sent(key, { model: `aws/${LITE}`, reasoning_effort: 'high', ...native });
      expect(own.additionalModelRequestFields).toEqual({ reasoningConfig });
    }
    const inferenceConfig = { topK: 20, reasoningConfig };
    const nested = await sent(key, {
      model: `aws/${LITE}`,
      reasoning_effort: 'high',
      additionalModelRequestFields: { inferenceConfig },
    });
    expect(nested.additionalModelRequestFields).toEqual({ inferenceConfig });
    for (const effort of ['high', 'xhigh']) {
      const error = await refused(key, { model: `aws/${LITE}`, reasoning_effort: effort, max_tokens: 4000 });
      expect(error.param, effort).toBe('reasoning_effort');
    }
    for (const model of ['amazon.nova-pro-v1:0', 'amazon.nova-2-sonic-v1:0']) {
      const error = await refused(key, { model: `aws/${model}`, reasoning_effort: 'low' });
      expect(error.param, model).toBe('reasoning_effort');
    }
    const response = await chat(key, { model: 'nova1-or-mock', messages: hello, reasoning_effort: 'low' });
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
  });

  it('with limits.enforceMaxTokens, refuses high (the cap is sent) and caps the other levels', async () => {
    const key = await setup({ defaultMaxTokens: 300, enforceMaxTokens: true });
    const medium = await sent(key, { model: `aws/${LITE}`, reasoning_effort: 'medium' });
    expect(medium.inferenceConfig).toEqual({ maxTokens: 300 + 8192 });
    const error = await refused(key, { model: `aws/${LITE}`, reasoning_effort: 'high' });
    expect(error.param).toBe('reasoning_effort');
  });
});

describe("reasoning_effort to OpenAI's models on Bedrock", () => {
  it('gpt-oss takes the flat reasoning_effort, low to high (it always reasons)', async () => {
    const key = await setup();
    for (const [effort, level] of GPT_OSS_LEVELS) {
      for (const model of ['openai.gpt-oss-120b-1:0', 'us.openai.gpt-oss-20b-1:0']) {
        const body = await sent(key, { model: `aws/${model}`, reasoning_effort: effort });
        expect(body.additionalModelRequestFields, `${model} ${effort}`).toEqual({ reasoning_effort: level });
        // An effort, not a budget: no maxTokens of the gateway's.
        expect(body).not.toHaveProperty('inferenceConfig');
      }
    }
  });

  it("the GPT models after gpt-oss take the Responses API's reasoning.effort, minimal as low", async () => {
    const key = await setup();
    for (const [effort, level] of [
      ['none', 'none'],
      ['minimal', 'low'],
      ['low', 'low'],
      ['medium', 'medium'],
      ['high', 'high'],
      ['xhigh', 'xhigh'],
    ] as const) {
      for (const model of [
        'us.openai.gpt-5.6-sol',
        'arn:aws:bedrock:us-east-1::foundation-model/openai.gpt-6-astra',
      ]) {
        const body = await sent(key, { model: `aws/${model}`, reasoning_effort: effort, max_tokens: 500 });
        expect(body.additionalModelRequestFields, `${model} ${effort}`).toEqual({
          reasoning: { effort: level },
        });
        expect(body.inferenceConfig).toEqual({ maxTokens: 500 });
      }
    }
  });

  it("lets the client's own field win", async () => {
    const key = await setup();
    const oss = await sent(key, {
      model: 'aws/openai.gpt-oss-120b-1:0',
      reasoning_effort: 'high',
      additionalModelRequestFields: { reasoning_effort: 'low' },
    });
    expect(oss.additionalModelRequestFields).toEqual({ reasoning_effort: 'low' });
    const gpt = await sent(key, {
      model: 'aws/us.openai.gpt-5.6-sol',
      reasoning_effort: 'high',
      reasoning: { effort: 'medium' },
    });
    expect(gpt.additionalModelRequestFields).toEqual({ reasoning: { effort: 'medium' } });
  });
});
