// Wildcard model aliases (src/routing/wildcards.ts) end to end: a request for a real Claude model
// name served through `claude-*` (chat and Claude Code's /v1/messages), allowlists, listings, pins,
// and the config and policy writes that would put a `*` where it means nothing.
import { describe, expect, it } from 'vitest';
import { anthropicMessage } from '../helpers/anthropic-sse';
import {
  admin,
  call,
  chat,
  createKey,
  type Json,
  messages,
  OPENAI_URL,
  openaiConfig,
  putConfig,
} from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANTHROPIC_URL = 'https://anthropic.test';

const config = (models: Record<string, unknown> = {}) =>
  openaiConfig({
    providers: {
      openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test-secret' },
      anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' },
      mock: { type: 'mock' },
    },
    models: {
      fast: { targets: [{ provider: 'mock', model: 'mock-1' }] },
      'claude-*': { targets: [{ provider: 'openai', model: 'vendor/claude-*' }] },
      ...models,
    },
    retry: { attempts: 0 },
  });

async function setup(models?: Record<string, unknown>) {
  const response = await putConfig(config(models));
  expect(response.status, await response.clone().text()).toBe(200);
}

const ask = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] });
const completion = (model: string) => ({
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model,
  choices: [
    { index: 0, message: { role: 'assistant', content: 'hello' }, logprobs: null, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

describe('wildcard model aliases', () => {
  it('serves a real model name through `claude-*`, sending the filled-in model upstream and naming it', async () => {
    await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion('vendor/claude-opus-4-8')));
    const { key } = await createKey();
    const response = await chat(key, ask('claude-opus-4-8'));
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');
    expect(response.headers.get('x-tollgate-model')).toBe('vendor/claude-opus-4-8');
    expect((recorded[0]!.body as Json).model).toBe('vendor/claude-opus-4-8');
    // A name no alias, provider or wildcard matches is still unknown.
    const unknown = await chat(key, ask('gpt-9'));
    expect(unknown.status).toBe(404);
    expect((await unknown.json<Json>()).error.code).toBe('model_not_found');
  });

  it("serves Claude Code's /v1/messages for a model it names, through a wildcard to Anthropic", async () => {
    await setup({ 'claude-*': { targets: [{ provider: 'anthropic', model: 'claude-*' }] } });
    onUpstream(`${ANTHROPIC_URL}/v1/messages`, () =>
      json(anthropicMessage('hi', { model: 'claude-opus-4-8' })),
    );
    const { key } = await createKey();
    const response = await messages(key, { ...ask('claude-opus-4-8'), max_tokens: 64 });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-model')).toBe('claude-opus-4-8');
    expect((recorded[0]!.body as Json).model).toBe('claude-opus-4-8');
    expect((await response.json<Json>()).content[0].text).toBe('hi');
  });

  it('admits names by a prefix allowlist entry, and refuses a `*` elsewhere in one', async () => {
    await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion('vendor/claude-haiku-4-5')));
    const { key } = await createKey({ models: ['claude-*'] });
    expect((await chat(key, ask('claude-haiku-4-5'))).status).toBe(200);
    expect((await chat(key, ask('fast'))).status).toBe(403);
    const refused = await admin('/admin/keys', 'POST', { name: 'k', models: ['claude-*-mini'] });
    expect(refused.status).toBe(400);
    expect((await refused.json<Json>()).error.param).toBe('models[0]');
  });

  it('lists no wildcard alias in GET /v1/models, but retrieves a name one matches', async () => {
    await setup();
    const { key } = await createKey();
    const headers = { authorization: `Bearer ${key}` };
    const listed = await (await call('/v1/models', { headers })).json<Json>();
    const ids = listed.data.map((model: Json) => model.id);
    expect(ids).toContain('fast');
    expect(ids).not.toContain('claude-*');
    const one = await call('/v1/models/claude-opus-4-8', { headers });
    expect(one.status).toBe(200);
    expect((await one.json<Json>()).owned_by).toBe('openai');
  });

  it('pins a name a wildcard matches; refuses pinning the wildcard, and a config dropping what the pin names', async () => {
    await setup();
    const pin = { 'claude-opus-4-8': { targets: [{ provider: 'mock', model: 'mock-1' }] } };
    const pinned = await createKey({ routing: { pin } });
    const response = await chat(pinned.key, ask('claude-opus-4-8'));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    for (const [routing, param] of [
      [{ pin: { 'claude-*': pin['claude-opus-4-8'] } }, 'routing.pin.claude-*'],
      [
        { pin: { fast: { targets: [{ provider: 'mock', model: 'mock-*' }] } } },
        'routing.pin.fast.targets[0].model',
      ],
    ] as const) {
      const refused = await admin('/admin/keys', 'POST', { name: 'k', routing });
      expect(refused.status).toBe(400);
      expect((await refused.json<Json>()).error.param).toBe(param);
    }
    const dropping = await putConfig({ ...config(), models: { fast: config().models.fast } });
    expect(dropping.status).toBe(409);
    expect((await dropping.json<Json>()).error.code).toBe('routing_pin_in_use');
  });

  it('refuses, naming the path, a `*` that does not end an alias, in a target alias, or in a model outside a wildcard', async () => {
    const response = await putConfig(
      config({
        'a*b': { targets: [{ provider: 'mock', model: 'x' }] },
        'c**': { targets: [{ provider: 'mock', model: 'x' }] },
        plain: { targets: [{ provider: 'mock', model: 'mock-*' }] },
        nested: {
          strategy: 'conditional',
          rules: [{ when: { team: 't' }, targets: [{ alias: 'claude-*' }] }],
          targets: [{ alias: 'fast' }],
        },
        'anthropic/*': { targets: [{ provider: 'mock', model: '*' }] },
      }),
    );
    expect(response.status).toBe(400);
    const { message } = (await response.json<Json>()).error;
    expect(message).toContain("models.a*b: a '*' may only end an alias name");
    expect(message).toContain("models.c**: a '*' may only end an alias name");
    expect(message).toContain("models.plain.targets[0].model: a '*' in a target's model");
    expect(message).toContain(
      "models.nested.rules[0].targets[0].alias: a target's alias names one alias exactly",
    );
    expect(message).toContain("models.anthropic/*: wildcard 'anthropic/*' would never match");
  });
});
