// OpenAI's reasoning_effort through the whole Worker to each provider's native reasoning control
// (src/providers/reasoning-effort.ts): the exact upstream body, what wins over it, what is refused
// and passed to the route's next target, and the output cap the reservation counted.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/env';
import type { ChatRequest } from '../../src/openai/schemas';
import { createWorkersAI } from '../../src/providers/workers-ai';
import textMessage from '../fixtures/anthropic/message-text.json';
import converseText from '../fixtures/bedrock/converse-text.json';
import cohereText from '../fixtures/cohere/chat-text.json';
import geminiText from '../fixtures/gemini/generate-text.json';
import workersAIText from '../fixtures/workers-ai/chat-text.json';
import { chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANTHROPIC_URL = 'https://anthropic.test';
const GEMINI_URL = 'https://gemini.test/v1beta';
const BEDROCK_URL = 'https://bedrock.test';
const COHERE_URL = 'https://cohere.test';

async function setup(limits: Record<string, unknown> = {}) {
  const config = {
    providers: {
      anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' },
      gemini: { type: 'gemini', baseUrl: GEMINI_URL, apiKey: 'AIza-secret' },
      aws: {
        type: 'bedrock',
        region: 'us-east-1',
        baseUrl: BEDROCK_URL,
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      cohere: { type: 'cohere', baseUrl: COHERE_URL, apiKey: 'co-secret' },
      // Unbound in tests: a run fails, but a refusal comes first and passes the request on.
      cf: { type: 'workers-ai' },
      mock: { type: 'mock' },
    },
    models: {
      'haiku-or-mock': {
        targets: [
          { provider: 'anthropic', model: 'claude-3-5-haiku-latest' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
      'flash2-or-mock': {
        targets: [
          { provider: 'gemini', model: 'gemini-2.0-flash' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
      'command-or-mock': {
        targets: [
          { provider: 'cohere', model: 'command-a-03-2025' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
      'nova1-or-mock': {
        targets: [
          { provider: 'aws', model: 'us.amazon.nova-pro-v1:0' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
      'llama-or-mock': {
        targets: [
          { provider: 'cf', model: '@cf/meta/llama-3.3-70b-instruct-fp8-fast' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
    },
    retry: { attempts: 0 },
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
  onUpstream(`${ANTHROPIC_URL}/v1/messages`, () => json(textMessage));
  onUpstream(`${GEMINI_URL}/models/`, () => json(geminiText));
  onUpstream(`${BEDROCK_URL}/model/`, () => json(converseText));
  onUpstream(`${COHERE_URL}/v2/chat`, () => json(cohereText));
  return (await createKey()).key;
}

const hello = [{ role: 'user', content: 'Hello' }];

/** The upstream body of one request, after a 200. */
async function sent(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const before = recorded.length;
  const response = await chat(key, { messages: hello, ...body }, headers);
  expect(response.status, await response.clone().text()).toBe(200);
  expect(recorded).toHaveLength(before + 1);
  return recorded.at(-1)!.body as Json;
}

/** The error of a refused request, which reached no provider. */
async function refused(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const before = recorded.length;
  const response = await chat(key, { messages: hello, ...body }, headers);
  expect(response.status).toBe(400);
  expect(recorded).toHaveLength(before);
  return ((await response.json()) as Json).error;
}

describe('reasoning_effort to Anthropic', () => {
  it('maps each effort to a thinking budget on Claude 3.7–4.5, the default max_tokens growing by it', async () => {
    const key = await setup();
    for (const [effort, budget] of [
      ['minimal', 1024],
      ['low', 1024],
      ['medium', 8192],
      ['high', 24_576],
      ['xhigh', 24_576],
    ] as const) {
      const body = await sent(key, { model: 'anthropic/claude-sonnet-4-5', reasoning_effort: effort });
      expect(body.thinking, effort).toEqual({ type: 'enabled', budget_tokens: budget });
      expect(body.max_tokens).toBe(4096 + budget);
      expect(body).not.toHaveProperty('reasoning_effort');
    }
    // Claude 3.7 Sonnet was the first to think; a dated id carries no minor version.
    for (const model of ['claude-3-7-sonnet-latest', 'claude-sonnet-4-20250514', 'claude-opus-4-1']) {
      const body = await sent(key, { model: `anthropic/${model}`, reasoning_effort: 'low' });
      expect(body.thinking, model).toEqual({ type: 'enabled', budget_tokens: 1024 });
    }
  });

  it("keeps the budget below the client's own cap, and refuses a cap too small to think within", async () => {
    const key = await setup();
    const body = await sent(key, {
      model: 'anthropic/claude-sonnet-4-5',
      reasoning_effort: 'high',
      max_completion_tokens: 2000,
    });
    expect(body).toMatchObject({ max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1999 } });
    const error = await refused(key, {
      model: 'anthropic/claude-sonnet-4-5',
      reasoning_effort: 'low',
      max_tokens: 1024,
    });
    expect(error.param).toBe('max_completion_tokens');
  });

  it('gives Claude 4.6 and later adaptive thinking with output_config.effort', async () => {
    const key = await setup();
    for (const [effort, level, budget] of [
      ['minimal', 'low', 1024],
      ['medium', 'medium', 8192],
      ['xhigh', 'high', 24_576],
    ] as const) {
      const body = await sent(key, { model: 'anthropic/claude-opus-4-6', reasoning_effort: effort });
      expect(body.thinking, effort).toEqual({ type: 'adaptive' });
      expect(body.output_config).toEqual({ effort: level });
      expect(body.max_tokens).toBe(4096 + budget);
    }
    // The client's own output_config keeps its other fields.
    const format = { type: 'json_schema', schema: { type: 'object' } };
    const body = await sent(key, {
      model: 'anthropic/claude-sonnet-4-6',
      reasoning_effort: 'high',
      max_tokens: 5000,
      output_config: { format },
    });
    expect(body).toMatchObject({ max_tokens: 5000, output_config: { format, effort: 'high' } });
  });

  it('sends xhigh as effort xhigh from Claude 4.7 on (high before it), Claude 5 included', async () => {
    const key = await setup();
    for (const [model, level] of [
      ['claude-opus-4-6', 'high'],
      ['claude-sonnet-4-6', 'high'],
      ['claude-opus-4-7', 'xhigh'],
      ['claude-opus-5-5', 'xhigh'],
      ['claude-fable-5-1', 'xhigh'],
      ['claude-haiku-5-5', 'xhigh'],
    ] as const) {
      const body = await sent(key, { model: `anthropic/${model}`, reasoning_effort: 'xhigh' });
      expect(body.thinking, model).toEqual({ type: 'adaptive' });
      expect(body.output_config, model).toEqual({ effort: level });
    }
  });

  it("takes OpenAI's max (GPT-5.6 on) as Claude's own effort max on every adaptive model (4.6 on)", async () => {
    const key = await setup();
    for (const model of [
      'claude-opus-4-6',
      'claude-sonnet-4-6',
      'claude-opus-4-7',
      'claude-mythos-preview',
      'claude-opus-5-5',
      'claude-haiku-5-5',
    ]) {
      const body = await sent(key, { model: `anthropic/${model}`, reasoning_effort: 'max' });
      expect(body.thinking, model).toEqual({ type: 'adaptive' });
      expect(body.output_config, model).toEqual({ effort: 'max' });
      expect(body.max_tokens, model).toBe(4096 + 24_576);
    }
    // Before 4.6 it is a budget, as high's.
    const budget = await sent(key, { model: 'anthropic/claude-opus-4-5', reasoning_effort: 'max' });
    expect(budget.thinking).toEqual({ type: 'enabled', budget_tokens: 24_576 });
    // Bedrock's Claude alike.
    const bedrock = await sent(key, {
      model: 'aws/us.anthropic.claude-opus-4-6-v1',
      reasoning_effort: 'max',
    });
    expect(bedrock.additionalModelRequestFields).toEqual({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'max' },
    });
  });

  it('treats Claude Mythos Preview (no version in its id) as the Mythos of 4.7: adaptive only, no xhigh', async () => {
    const key = await setup();
    for (const model of ['anthropic/claude-mythos-preview', 'aws/us.anthropic.claude-mythos-preview']) {
      const effort = async (reasoning_effort: string) =>
        (await sent(key, { model, reasoning_effort })) as Json;
      const fields = (body: Json) => (model.startsWith('aws/') ? body.additionalModelRequestFields : body);
      // A budget is a 400 there: adaptive thinking, high as itself, xhigh (which it lacks) as high.
      for (const [asked, level] of [
        ['high', 'high'],
        ['xhigh', 'high'],
      ] as const) {
        expect(fields(await effort(asked)), `${model} ${asked}`).toMatchObject({
          thinking: { type: 'adaptive' },
          output_config: { effort: level },
        });
      }
      // It cannot stop thinking (disabled is a 400): none is the least it does.
      expect(fields(await effort('none')), model).toMatchObject({
        thinking: { type: 'adaptive' },
        output_config: { effort: 'low' },
      });
    }
  });

  it('sends for none what each Claude 5 model takes to think least: never a thinking it refuses', async () => {
    const key = await setup();
    const none = (model: string) => sent(key, { model: `anthropic/${model}`, reasoning_effort: 'none' });
    // Opus 5, Sonnet 5 and Haiku 5.5 think by default and may be told not to.
    for (const model of ['claude-opus-5', 'claude-sonnet-5', 'claude-haiku-5-5', 'claude-opus-5-20260724']) {
      const body = await none(model);
      expect(body.thinking, model).toEqual({ type: 'disabled' });
      expect(body, model).not.toHaveProperty('output_config');
      expect(body.max_tokens, model).toBe(4096);
    }
    // Sonnet 5.5 refuses disabled: between_tools turns off the thinking before its answer.
    expect((await none('claude-sonnet-5-5')).thinking).toEqual({ type: 'between_tools' });
    // Opus 5.5, Fable and Mythos always think (disabled is a 400): the least they do.
    for (const model of ['claude-opus-5-5', 'claude-fable-5-1', 'claude-fable-5', 'claude-mythos-5-1']) {
      const body = await none(model);
      expect(body.thinking, model).toEqual({ type: 'adaptive' });
      expect(body.output_config, model).toEqual({ effort: 'low' });
      expect(body.max_tokens, model).toBe(4096);
    }
    // The client's own thinking still wins.
    const native = await sent(key, {
      model: 'anthropic/claude-opus-5',
      reasoning_effort: 'none',
      output_config: { effort: 'max' },
    });
    expect(native).not.toHaveProperty('thinking');
    expect(native.output_config).toEqual({ effort: 'max' });
    // Bedrock's ids map as Anthropic's do.
    const bedrock = await sent(key, {
      model: 'aws/global.anthropic.claude-opus-5-5',
      reasoning_effort: 'none',
    });
    expect(bedrock.additionalModelRequestFields).toEqual({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'low' },
    });
  });

  it('sends no thinking for none, and lets a native thinking or effort win', async () => {
    const key = await setup();
    const none = await sent(key, { model: 'anthropic/claude-sonnet-4-5', reasoning_effort: 'none' });
    expect(none).not.toHaveProperty('thinking');
    expect(none.max_tokens).toBe(4096);
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    const native = await sent(key, {
      model: 'anthropic/claude-sonnet-4-5',
      reasoning_effort: 'high',
      thinking,
    });
    expect(native).toMatchObject({ thinking, max_tokens: 4096 + 2048 });
    const effort = await sent(key, {
      model: 'anthropic/claude-opus-4-6',
      reasoning_effort: 'high',
      output_config: { effort: 'low' },
    });
    expect(effort.output_config).toEqual({ effort: 'low' });
    expect(effort).not.toHaveProperty('thinking');
  });

  it('refuses what thinking rules out, and a model that cannot think, which the next target serves', async () => {
    const key = await setup();
    const model = 'anthropic/claude-sonnet-4-5';
    for (const [extra, param] of [
      [{ temperature: 0.2 }, 'temperature'],
      [{ top_p: 0.5 }, 'top_p'],
      [{ top_k: 5 }, 'top_k'],
      [{ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required' }, 'tool_choice'],
      [{ reasoning_effort: 'extreme' }, 'reasoning_effort'],
    ] as const) {
      const error = await refused(key, { model, reasoning_effort: 'low', ...extra });
      expect(error.param, JSON.stringify(extra)).toBe(param);
    }
    expect(await sent(key, { model, reasoning_effort: 'low', temperature: 1, top_p: 0.95 })).toMatchObject({
      temperature: 1,
      thinking: { type: 'enabled' },
    });

    const error = await refused(key, {
      model: 'anthropic/claude-3-5-haiku-latest',
      reasoning_effort: 'high',
    });
    expect(error.param).toBe('reasoning_effort');
    const response = await chat(key, { model: 'haiku-or-mock', messages: hello, reasoning_effort: 'high' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    // none asks a model that does not think for nothing it lacks.
    const plain = await sent(key, { model: 'anthropic/claude-3-5-haiku-latest', reasoning_effort: 'none' });
    expect(plain).not.toHaveProperty('thinking');
  });

  it('with limits.enforceMaxTokens, sends the cap the reservation counted, the budget within it', async () => {
    const key = await setup({ defaultMaxTokens: 300, enforceMaxTokens: true });
    const body = await sent(key, { model: 'anthropic/claude-sonnet-4-5', reasoning_effort: 'medium' });
    expect(body).toMatchObject({
      max_tokens: 300 + 8192,
      thinking: { type: 'enabled', budget_tokens: 8192 },
    });
  });
});

describe('reasoning_effort to Gemini', () => {
  const config = async (key: string, model: string, effort: string) =>
    (await sent(key, { model: `gemini/${model}`, reasoning_effort: effort })).generationConfig
      ?.thinkingConfig;

  it("maps to Gemini 2.5's thinkingBudget as Google does, none the least each model takes", async () => {
    const key = await setup();
    for (const [effort, budget] of [
      ['none', 0],
      ['minimal', 1024],
      ['low', 1024],
      ['medium', 8192],
      ['high', 24_576],
      ['xhigh', 24_576],
    ] as const) {
      expect(await config(key, 'gemini-2.5-flash', effort), effort).toEqual({ thinkingBudget: budget });
    }
    // 2.5 Pro cannot stop thinking: its smallest budget.
    expect(await config(key, 'gemini-2.5-pro', 'none')).toEqual({ thinkingBudget: 128 });
  });

  it("maps to Gemini 3's thinkingLevel, per model as Google's table does", async () => {
    const key = await setup();
    const cases: [string, string, string][] = [
      ['gemini-3-flash-preview', 'none', 'minimal'],
      ['gemini-3-flash-preview', 'minimal', 'minimal'],
      ['gemini-3-flash-preview', 'low', 'low'],
      ['gemini-3-flash-preview', 'medium', 'medium'],
      ['gemini-3-flash-preview', 'xhigh', 'high'],
      ['gemini-3-pro-preview', 'none', 'low'],
      ['gemini-3-pro-preview', 'minimal', 'low'],
      ['gemini-3-pro-preview', 'medium', 'high'],
      ['gemini-3.1-pro-preview', 'medium', 'medium'],
      ['gemini-3.1-pro-preview', 'high', 'high'],
    ];
    for (const [model, effort, level] of cases)
      expect(await config(key, model, effort), `${model} ${effort}`).toEqual({ thinkingLevel: level });
  });

  it('maps to Gemini 4, which takes no minimal (none and minimal are low), and max to high', async () => {
    const key = await setup();
    const cases: [string, string, string][] = [
      ['gemini-4-argon', 'none', 'low'],
      ['gemini-4-argon', 'minimal', 'low'],
      ['gemini-4-carbon', 'none', 'low'],
      ['gemini-4-neon', 'medium', 'medium'],
      ['gemini-4-hydrogen', 'max', 'high'],
      ['gemini-3-flash-preview', 'max', 'high'],
      ['gemini-3.8-flash', 'none', 'minimal'],
    ];
    for (const [model, effort, level] of cases)
      expect(await config(key, model, effort), `${model} ${effort}`).toEqual({ thinkingLevel: level });
    expect(await config(key, 'gemini-2.5-flash', 'max')).toEqual({ thinkingBudget: 24_576 });
  });

  it('lets a native thinkingConfig win, and refuses models that cannot think or cannot be told', async () => {
    const key = await setup();
    const native = await sent(key, {
      model: 'gemini/gemini-2.5-flash',
      reasoning_effort: 'high',
      generationConfig: { thinkingConfig: { thinkingBudget: 512 } },
    });
    expect(native.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 512 } });
    for (const model of ['gemini-2.0-flash', 'gemini-flash-latest']) {
      const error = await refused(key, { model: `gemini/${model}`, reasoning_effort: 'low' });
      expect(error.param, model).toBe('reasoning_effort');
    }
    const response = await chat(key, { model: 'flash2-or-mock', messages: hello, reasoning_effort: 'low' });
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    const none = await sent(key, { model: 'gemini/gemini-2.0-flash', reasoning_effort: 'none' });
    expect(none).not.toHaveProperty('generationConfig');
  });
});

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

describe('reasoning_effort to Cohere', () => {
  const REASONING = 'cohere/command-a-reasoning-08-2025';

  it("maps to Command A Reasoning's thinking: a token_budget, none disabled", async () => {
    const key = await setup();
    for (const [effort, budget] of [
      ['minimal', 1024],
      ['low', 1024],
      ['medium', 8192],
      ['high', 24_576],
      ['xhigh', 24_576],
    ] as const) {
      const body = await sent(key, { model: REASONING, reasoning_effort: effort });
      expect(body.thinking, effort).toEqual({ type: 'enabled', token_budget: budget });
      expect(body).not.toHaveProperty('reasoning_effort');
      expect(body).not.toHaveProperty('max_tokens');
    }
    // It thinks by default, without limit: none turns that off.
    expect((await sent(key, { model: REASONING, reasoning_effort: 'none' })).thinking).toEqual({
      type: 'disabled',
    });
    // Cohere counts thinking within max_tokens: the budget is no more than the cap.
    const capped = await sent(key, {
      model: REASONING,
      reasoning_effort: 'high',
      max_completion_tokens: 3000,
    });
    expect(capped).toMatchObject({ max_tokens: 3000, thinking: { type: 'enabled', token_budget: 3000 } });
  });

  it("lets the client's own thinking win, and passes a model that cannot think to the next target", async () => {
    const key = await setup();
    const thinking = { type: 'enabled', token_budget: 500 };
    const own = await sent(key, { model: REASONING, reasoning_effort: 'high', thinking });
    expect(own.thinking).toEqual(thinking);
    for (const effort of ['low', 'none']) {
      const error = await refused(key, { model: 'cohere/command-a-03-2025', reasoning_effort: effort });
      expect(error.param, effort).toBe('reasoning_effort');
    }
    const error = await refused(key, { model: REASONING, reasoning_effort: 'extreme' });
    expect(error.param).toBe('reasoning_effort');
    const response = await chat(key, { model: 'command-or-mock', messages: hello, reasoning_effort: 'low' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
  });

  it("with limits.enforceMaxTokens, sends the cap the reservation counted, a native token_budget's too", async () => {
    const key = await setup({ defaultMaxTokens: 300, enforceMaxTokens: true });
    const effort = await sent(key, { model: REASONING, reasoning_effort: 'medium' });
    expect(effort).toMatchObject({
      max_tokens: 300 + 8192,
      thinking: { type: 'enabled', token_budget: 8192 },
    });
    // Cohere's own thinking budget is reserved as Anthropic's budget_tokens is.
    const native = await sent(key, { model: REASONING, thinking: { type: 'enabled', token_budget: 5000 } });
    expect(native).toMatchObject({
      max_tokens: 300 + 5000,
      thinking: { type: 'enabled', token_budget: 5000 },
    });
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
    for (const [effort, level] of [
      ['none', 'low'],
      ['minimal', 'low'],
      ['low', 'low'],
      ['medium', 'medium'],
      ['high', 'high'],
      ['xhigh', 'high'],
    ] as const) {
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

describe('reasoning_effort to Workers AI', () => {
  /** The inputs the `AI` binding was run with (it is unbound in the gateway's tests). */
  async function inputs(model: string, body: Record<string, unknown>) {
    const runs: Record<string, unknown>[] = [];
    const ai = {
      async run(_model: string, input: Record<string, unknown>) {
        runs.push(input);
        return workersAIText;
      },
    };
    const adapter = createWorkersAI(
      'cf',
      { type: 'workers-ai' },
      { env: { ...env, AI: ai } as unknown as Env, fetch: globalThis.fetch },
    );
    await adapter.chat({
      body: { model: 'alias', messages: hello, ...body } as ChatRequest,
      model,
      signal: new AbortController().signal,
      requestId: 'r1',
    });
    return runs[0]!;
  }

  it("maps to gpt-oss's own reasoning_effort input, none its least (it always reasons)", async () => {
    for (const [effort, level] of [
      ['none', 'low'],
      ['minimal', 'low'],
      ['low', 'low'],
      ['medium', 'medium'],
      ['high', 'high'],
      ['xhigh', 'high'],
    ] as const) {
      for (const model of ['@cf/openai/gpt-oss-120b', '@cf/openai/gpt-oss-20b']) {
        const run = await inputs(model, { reasoning_effort: effort });
        expect(run.reasoning_effort, `${model} ${effort}`).toBe(level);
      }
    }
    expect(await inputs('@cf/openai/gpt-oss-120b', {})).not.toHaveProperty('reasoning_effort');
  });

  it('passes other models to the next target', async () => {
    const key = await setup();
    const error = await refused(key, {
      model: 'cf/@cf/meta/llama-3.3-70b-instruct-fp8-fast',
      reasoning_effort: 'low',
    });
    expect(error.param).toBe('reasoning_effort');
    const response = await chat(key, { model: 'llama-or-mock', messages: hello, reasoning_effort: 'low' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
  });
});
