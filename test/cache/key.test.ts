import { describe, expect, it } from 'vitest';
import {
  cacheKeys,
  canonicalJson,
  finalUserText,
  providerSettings,
  routeIdentity,
} from '../../src/cache/key';
import type { ResolvedRoute } from '../../src/config/runtime';
import type { ChatRequest } from '../../src/openai/schemas';
import type { RouteRequest } from '../../src/routing/conditions';
import type { RouteConfig } from '../../src/routing/config-schema';

const route = { strategy: 'fallback', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] };
const base: ChatRequest = {
  model: 'gpt',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  temperature: 0,
};
const exactOf = async (body: unknown, namespace = 'key:k1') =>
  (await cacheKeys(namespace, route, body as ChatRequest, undefined)).exact;

describe('canonical cache key', () => {
  it('sorts object keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });

  it('ignores key order and JSON whitespace of the request', async () => {
    const reordered = JSON.parse(
      `{ "temperature" : 0,\n  "messages": [ {"content":"Be brief.","role":"system"},
         { "content" : "What is the capital of France?", "role":"user" } ],\t"model":"gpt" }`,
    );
    expect(await exactOf(reordered)).toBe(await exactOf(base));
  });

  it('ignores the model name (the route counts), user, stream, stream_options, metadata and nulls', async () => {
    const noisy = {
      ...base,
      model: 'another-alias',
      user: 'u-42',
      stream: true,
      stream_options: { include_usage: true },
      metadata: { trace: 'x' },
      store: true,
      safety_identifier: 's',
      prompt_cache_key: 'p',
      top_p: null,
    };
    expect(await exactOf(noisy)).toBe(await exactOf(base));
  });

  const changes: [string, Record<string, unknown>][] = [
    ['temperature', { temperature: 0.2 }],
    ['top_p', { top_p: 0.5 }],
    ['seed', { seed: 7 }],
    ['max_tokens', { max_tokens: 10 }],
    ['max_completion_tokens', { max_completion_tokens: 10 }],
    ['stop', { stop: ['\n'] }],
    ['n', { n: 2 }],
    ['presence_penalty', { presence_penalty: 1 }],
    ['frequency_penalty', { frequency_penalty: 1 }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }],
    ['tool_choice', { tool_choice: 'none' }],
    ['logprobs', { logprobs: true }],
    ['an unknown provider parameter', { reasoning_effort: 'high' }],
    ['the system prompt', { messages: [{ role: 'system', content: 'Be long.' }, base.messages[1]] }],
    ['the question', { messages: [base.messages[0], { role: 'user', content: 'And of Spain?' }] }],
    ['a message name', { messages: [base.messages[0], { ...base.messages[1], name: 'bob' }] }],
    [
      'whitespace inside a message',
      { messages: [base.messages[0], { role: 'user', content: 'What is the capital of France? ' }] },
    ],
  ];
  for (const [what, change] of changes) {
    it(`changes when ${what} changes`, async () => {
      expect(await exactOf({ ...base, ...change })).not.toBe(await exactOf(base));
    });
  }

  it("keeps a JSON schema's property order (models write fields in that order), tools' and functions' too", async () => {
    const schema = (first: string, second: string) => ({
      type: 'object',
      properties: { [first]: { type: 'string' }, [second]: { type: 'string' } },
    });
    const format = (first: string, second: string) => ({
      ...base,
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: schema(first, second) } },
    });
    expect(await exactOf(format('reasoning', 'answer'))).not.toBe(
      await exactOf(format('answer', 'reasoning')),
    );
    const tool = (first: string, second: string) => ({
      ...base,
      tools: [{ type: 'function', function: { name: 'f', parameters: schema(first, second) } }],
    });
    expect(await exactOf(tool('a', 'b'))).not.toBe(await exactOf(tool('b', 'a')));
    const legacy = (first: string, second: string) => ({
      ...base,
      functions: [{ name: 'f', parameters: schema(first, second) }],
    });
    expect(await exactOf(legacy('a', 'b'))).not.toBe(await exactOf(legacy('b', 'a')));
    // The rest of the request is still canonical.
    const same = format('reasoning', 'answer');
    expect(await exactOf({ temperature: 0, ...same })).toBe(await exactOf(same));
  });

  it('differs per namespace', async () => {
    expect(await exactOf(base, 'team:a')).not.toBe(await exactOf(base, 'team:b'));
  });

  it('takes an alias named like an object property (toString) for no route, as the router does', () => {
    const identity = () =>
      routeIdentity(
        {
          requested: 'gpt',
          strategy: 'fallback',
          targets: [{ alias: 'toString' }, { provider: 'openai', model: 'gpt-4o' }],
          pins: {},
        } as unknown as ResolvedRoute,
        {},
        {},
      );
    expect(() => canonicalJson(identity())).not.toThrow();
  });

  it("changes when a target's provider is set up differently, never with its secrets", () => {
    const plain = {
      requested: 'gpt',
      strategy: 'fallback',
      targets: [{ provider: 'openai', model: 'm' }],
    } as ResolvedRoute;
    const identity = (openai: Record<string, unknown>) =>
      canonicalJson(routeIdentity(plain, {}, {}, providerSettings({ openai })));
    const base = { type: 'openai', baseUrl: 'https://a.example/v1', apiKey: 'sk-1', models: ['m'] };
    expect(identity({ ...base, baseUrl: 'https://b.example/v1' })).not.toBe(identity(base));
    expect(identity({ ...base, defaultMaxTokens: 8192 })).not.toBe(identity(base));
    // A rotated secret, other headers or a longer model list change no answer.
    expect(identity({ ...base, apiKey: 'sk-2', headers: { 'x-a': 'b' }, models: ['m', 'n'] })).toBe(
      identity(base),
    );
    expect(identity(base)).not.toContain('sk-1');
  });

  it('follows what an alias resolves to, nested aliases included', () => {
    const models = { inner: { strategy: 'fallback' as const, targets: [{ provider: 'mock', model: 'm' }] } };
    const viaAlias = (requested: string) =>
      routeIdentity(
        { requested, strategy: 'fallback', targets: [{ alias: 'inner' }] } as ResolvedRoute,
        models,
        {},
      );
    expect(canonicalJson(viaAlias('a'))).toBe(canonicalJson(viaAlias('b')));
    const changed = { inner: { ...models.inner, targets: [{ provider: 'mock', model: 'other' }] } };
    expect(
      canonicalJson(
        routeIdentity(
          { requested: 'a', strategy: 'fallback', targets: [{ alias: 'inner' }] } as ResolvedRoute,
          changed,
          {},
        ),
      ),
    ).not.toBe(canonicalJson(viaAlias('a')));
  });
});

describe('conditional routes in the key', () => {
  const mock = (model: string) => ({ provider: 'mock', model });
  const models: Record<string, RouteConfig> = {
    inner: {
      strategy: 'conditional',
      targets: [mock('inner-default')],
      rules: [{ when: { metadata: { region: 'eu' } }, targets: [mock('inner-eu')] }],
    },
  };
  const route = {
    requested: 'gpt',
    strategy: 'conditional',
    targets: [mock('default')],
    rules: [
      { when: { metadata: { tier: 'pro' } }, targets: [mock('pro')] },
      { when: { team: 'research' }, targets: [{ alias: 'inner' }] },
      { when: { inputTokens: { gt: 1000 } }, targets: [mock('long')] },
    ],
  } as ResolvedRoute;
  const identity = (request: RouteRequest) => canonicalJson(routeIdentity(route, models, request));

  it('differs with the rule the request matches, the default included', () => {
    const chosen = [
      identity({}),
      identity({ metadata: { tier: 'pro' } }),
      identity({ team: 'research' }),
      identity({ inputTokens: 5000 }),
    ];
    expect(new Set(chosen).size).toBe(4);
  });

  it('is the same for requests that match the same rule on different facts', () => {
    expect(identity({ metadata: { tier: 'pro' }, team: 'a' })).toBe(
      identity({ metadata: { tier: 'pro', user: 'u2' }, team: 'b', inputTokens: 9000 }),
    );
    expect(identity({ inputTokens: 10 })).toBe(identity({ metadata: { tier: 'free' } }));
  });

  it('records the rule of a conditional route nested behind an alias', () => {
    expect(identity({ team: 'research' })).not.toBe(
      identity({ team: 'research', metadata: { region: 'eu' } }),
    );
  });

  it('leaves routes without rules as they were', () => {
    const plain = { requested: 'gpt', strategy: 'fallback', targets: [mock('m')] } as ResolvedRoute;
    expect(routeIdentity(plain, {}, { metadata: { tier: 'pro' } })).toEqual(routeIdentity(plain, {}, {}));
    expect(routeIdentity(plain, {}, {})).not.toHaveProperty('rule');
  });
});

describe('semantic partition', () => {
  const keysOf = (body: unknown, embedding = 'workers-ai/@cf/baai/bge-base-en-v1.5') =>
    cacheKeys('team:t', route, body as ChatRequest, embedding);

  it('is the same when only the final question differs, and embeds that question', async () => {
    const a = await keysOf(base);
    const b = await keysOf({
      ...base,
      messages: [base.messages[0], { role: 'user', content: 'Capital of France?' }],
    });
    expect(a.partition).toBe(b.partition);
    expect(a.exact).not.toBe(b.exact);
    expect(a.question).toBe('What is the capital of France?');
  });

  it('differs with the system prompt, a prior turn or a parameter', async () => {
    const a = await keysOf(base);
    const system = await keysOf({
      ...base,
      messages: [{ role: 'system', content: 'Be long.' }, base.messages[1]],
    });
    const prior = await keysOf({
      ...base,
      messages: [
        base.messages[0],
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        base.messages[1],
      ],
    });
    const param = await keysOf({ ...base, max_tokens: 5 });
    expect(new Set([a.partition, system.partition, prior.partition, param.partition]).size).toBe(4);
  });

  it('differs with the embedding model: vectors of two models are never compared', async () => {
    const one = await keysOf(base, 'openai/text-embedding-ada-002');
    const other = await keysOf(base, 'openai/text-embedding-3-small');
    expect(one.partition).not.toBe(other.partition);
    expect(one.exact).toBe(other.exact);
  });

  it('has no question when the last message is not a text user turn', () => {
    expect(finalUserText([{ role: 'assistant', content: 'x' }])).toBeUndefined();
    expect(
      finalUserText([
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
      ]),
    ).toBeUndefined();
    expect(
      finalUserText([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ]),
    ).toBe('a\nb');
  });
});
