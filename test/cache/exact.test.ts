import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { writeEntry } from '../../src/cache/exact';
import { hotForget } from '../../src/cache/hot';
import { admin, chat, createKey, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import { json, onUpstream, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';
import {
  answerText,
  CHAT_URL,
  cachedConfig,
  completion,
  entries,
  sleep,
  stored,
  streamOf,
  upstream,
} from './harness';

const question = { model: 'gpt', messages: [{ role: 'user', content: 'What is the capital of France?' }] };

async function setup(extra: Record<string, unknown> = {}, keyOptions: Record<string, unknown> = {}) {
  expect((await putConfig(cachedConfig({}, extra))).status).toBe(200);
  const created = await createKey(keyOptions);
  return { ...created, namespace: `key:${created.id}` };
}

describe('exact cache through the gateway', () => {
  it('is off by default: every request goes upstream and nothing is stored', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { id, key } = await createKey();
    const calls = upstream(() => 'Paris');
    for (let i = 0; i < 2; i++) {
      const response = await chat(key, question);
      expect(response.headers.get('x-tollgate-cache')).toBe('skip');
      await response.text();
    }
    await sleep(50);
    expect(await entries(`key:${id}`)).toBe(0);
    expect(calls()).toBe(2);
  });

  it('misses, stores, then hits without calling upstream and with the same answer', async () => {
    const { key, namespace } = await setup();
    const calls = upstream((n) => `Paris #${n}`);
    const first = await chat(key, question);
    expect(first.headers.get('x-tollgate-cache')).toBe('miss');
    const firstBody = await first.json<Json>();
    await stored(namespace);

    const second = await chat(key, question);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(second.headers.get('x-tollgate-provider')).toBe('openai');
    expect(second.headers.get('x-tollgate-model')).toBe('gpt-4o-mini');
    expect(second.headers.get('x-tollgate-attempts')).toBe('0');
    const secondBody = await second.json<Json>();
    expectOpenAIShape('CreateChatCompletionResponse', secondBody);
    expect(secondBody).toEqual(firstBody);
    expect(calls()).toBe(1);
  });

  it('hits at once after a miss, before the KV write is awaited (JSON and streamed)', async () => {
    const { key } = await setup();
    const calls = upstream((n) => `Paris #${n}`);
    await (await chat(key, question)).text();
    expect((await chat(key, question)).headers.get('x-tollgate-cache')).toBe('hit-exact');
    const streamed = { ...question, messages: [{ role: 'user', content: 'And of Italy?' }], stream: true };
    await (await chat(key, streamed)).text();
    expect((await chat(key, streamed)).headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(calls()).toBe(2);
  });

  it("answers a repeated question from the isolate's hot copy, without a KV read", async () => {
    const { key, namespace } = await setup();
    const calls = upstream((n) => `Paris #${n}`);
    await (await chat(key, question)).text();
    const [kvKey = ''] = await stored(namespace);
    await env.CACHE.delete(kvKey); // only the hot copy (hot.ts) is left
    const hit = await chat(key, question);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(await answerText(hit)).toBe('Paris #1');
    expect(calls()).toBe(1);
  });

  it('fills in what an OpenAI-compatible answer left out (id, created, model), so KV gives it back', async () => {
    const { key, namespace } = await setup();
    const calls = upstream(() => {
      const { id: _id, created: _created, model: _model, ...rest } = completion('Paris');
      return json(rest);
    });
    await (await chat(key, question)).text();
    const [kvKey = ''] = await stored(namespace);
    hotForget(kvKey);
    const hit = await chat(key, question);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
    const body = await hit.json<Json>();
    expect(body).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini' });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(typeof body.created).toBe('number');
    expect(calls()).toBe(1);
  });

  it('logs the body a hit served for a logBodies key (JSON, or chunks as a miss logs them), none for zdr', async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const { id, key } = await createKey({ logBodies: true });
    upstream(() => 'Paris');
    const streamed = { ...question, stream: true };
    const ids = ['miss', 'hit', 'stream-miss', 'stream-hit'].map((what) => `${what}-${id}`);
    const [miss, hit, streamMiss, streamHit] = ids as [string, string, string, string];
    await (await chat(key, question, { 'x-request-id': miss })).text();
    await stored(`key:${id}`);
    await (await chat(key, question, { 'x-request-id': hit })).text();
    const other = { ...streamed, messages: [{ role: 'user', content: 'And of Italy?' }] };
    await (await chat(key, other, { 'x-request-id': streamMiss })).text();
    await stored(`key:${id}`, 2);
    await (await chat(key, other, { 'x-request-id': streamHit })).text();
    const zdr = await createKey({ logBodies: true, zdr: true });
    await (await chat(zdr.key, question, { 'x-request-id': `zdr-${id}` })).text();
    const rows = await waitForRows([...ids, `zdr-${id}`]);
    expect(rows.get(hit)!.cache).toBe('hit-exact');
    expect(JSON.parse(rows.get(hit)!.responseBody!)).toEqual(JSON.parse(rows.get(miss)!.responseBody!));
    expect(rows.get(streamHit)!.cache).toBe('hit-exact');
    const chunks = rows
      .get(streamHit)!
      .responseBody!.split('\n')
      .map((line) => JSON.parse(line));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Paris');
    expect(rows.get(streamMiss)!.responseBody).toContain('chat.completion.chunk');
    expect(rows.get(`zdr-${id}`)).toMatchObject({ cache: 'skip', requestBody: null, responseBody: null });
  });

  it('hits a request written with other key order and whitespace', async () => {
    const { key, namespace } = await setup();
    const calls = upstream(() => 'Paris');
    await (await chat(key, { ...question, temperature: 0, max_tokens: 20 })).text();
    await stored(namespace);
    const raw = `{
      "max_tokens": 20,   "messages" : [ { "content": "What is the capital of France?", "role": "user" } ],
      "temperature": 0, "model": "gpt", "user": "someone-else"
    }`;
    const again = await chat(key, raw);
    expect(again.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(calls()).toBe(1);
  });

  const changes: [string, Record<string, unknown>][] = [
    ['max_tokens', { max_tokens: 7 }],
    ['seed', { seed: 3 }],
    ['stop', { stop: 'x' }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['top_p', { top_p: 0.5 }],
    ['an unknown parameter', { reasoning_effort: 'low' }],
    ['the model route', { model: 'openai/gpt-4o' }],
  ];
  for (const [what, change] of changes) {
    it(`misses when ${what} changes`, async () => {
      const { key, namespace } = await setup();
      const calls = upstream(() => 'Paris');
      await (await chat(key, question)).text();
      await stored(namespace);
      const changed = await chat(key, { ...question, ...change });
      expect(changed.headers.get('x-tollgate-cache')).toBe('miss');
      expect(calls()).toBe(2);
    });
  }

  it('never shares entries between two teams, or between two teamless keys', async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const teamA = (await (await admin('/admin/teams', 'POST', { name: 'a' })).json<Json>()).id;
    const teamB = (await (await admin('/admin/teams', 'POST', { name: 'b' })).json<Json>()).id;
    const a1 = await createKey({ team: teamA });
    const a2 = await createKey({ team: teamA });
    const b1 = await createKey({ team: teamB });
    const loneX = await createKey();
    const loneY = await createKey();
    const calls = upstream((n) => `answer ${n}`);

    await (await chat(a1.key, question)).text();
    await stored(`team:${teamA}`);
    // Same team: shared.
    expect((await chat(a2.key, question)).headers.get('x-tollgate-cache')).toBe('hit-exact');
    // Other team, and keys without a team: each their own.
    for (const other of [b1, loneX]) {
      const response = await chat(other.key, question);
      expect(response.headers.get('x-tollgate-cache')).toBe('miss');
      expect(await answerText(response)).not.toBe('answer 1');
    }
    await stored(`key:${loneX.id}`);
    expect((await chat(loneY.key, question)).headers.get('x-tollgate-cache')).toBe('miss');
    expect(calls()).toBe(4);
  });

  it('shares entries between keys the config puts in one namespace', async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const one = await createKey();
    const two = await createKey();
    const config = cachedConfig({ namespaces: { docs: { keys: [one.id, two.id] } } });
    expect((await putConfig(config)).status).toBe(200);
    const calls = upstream(() => 'Paris');
    await (await chat(one.key, question)).text();
    await stored('shared:docs');
    expect((await chat(two.key, question)).headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(calls()).toBe(1);
  });

  it('skip neither reads nor writes; refresh does not read but writes', async () => {
    const { key, namespace } = await setup();
    const calls = upstream((n) => `answer ${n}`);
    const skipped = await chat(key, question, { 'x-tollgate-cache': 'skip' });
    expect(skipped.headers.get('x-tollgate-cache')).toBe('skip');
    await skipped.text();
    await sleep(50);
    expect(await entries(namespace)).toBe(0);

    await (await chat(key, question)).text(); // answer 2, stored
    await stored(namespace);
    const refreshed = await chat(key, question, { 'x-tollgate-cache': 'refresh' });
    expect(refreshed.headers.get('x-tollgate-cache')).toBe('miss');
    expect(await answerText(refreshed)).toBe('answer 3');
    for (let i = 0; i < 100; i++) {
      const hit = await chat(key, question);
      expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
      if ((await answerText(hit)) === 'answer 3') break;
      await sleep(10);
    }
    expect(await answerText(await chat(key, question))).toBe('answer 3');
    expect(calls()).toBe(3);
  });

  it('expires an entry after x-tollgate-cache-ttl seconds', async () => {
    const { key, namespace } = await setup();
    const calls = upstream((n) => `answer ${n}`);
    await (await chat(key, question, { 'x-tollgate-cache-ttl': '1' })).text();
    await stored(namespace);
    expect((await chat(key, question)).headers.get('x-tollgate-cache')).toBe('hit-exact');
    await sleep(1100);
    expect((await chat(key, question)).headers.get('x-tollgate-cache')).toBe('miss');
    expect(calls()).toBe(2);
  });

  it("applies the key policy's TTL and opt-out", async () => {
    const { key, namespace } = await setup({}, { cache: { ttlSeconds: 1 } });
    const calls = upstream((n) => `answer ${n}`);
    await (await chat(key, question)).text();
    await stored(namespace);
    await sleep(1100);
    expect((await chat(key, question)).headers.get('x-tollgate-cache')).toBe('miss');
    expect(calls()).toBe(2);

    const optedOut = await createKey({ cache: { enabled: false } });
    expect((await chat(optedOut.key, question)).headers.get('x-tollgate-cache')).toBe('skip');
  });

  it('lets a team opt out, and a key in it opt back in', async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const team = await (
      await admin('/admin/teams', 'POST', { name: 't', cache: { enabled: false } })
    ).json<Json>();
    expect(team.cache).toEqual({ enabled: false });
    upstream(() => 'Paris');
    const member = await createKey({ team: team.id });
    expect((await chat(member.key, question)).headers.get('x-tollgate-cache')).toBe('skip');
    const optedIn = await createKey({ team: team.id, cache: { enabled: true } });
    expect((await chat(optedIn.key, question)).headers.get('x-tollgate-cache')).toBe('miss');
  });

  it('serves a streamed miss to a non-streamed request, byte-for-byte the same text', async () => {
    const { key, namespace } = await setup();
    const calls = upstream(() => 'The capital  of France is Paris.\n');
    const streamed = await chat(key, { ...question, stream: true });
    expect(streamed.headers.get('x-tollgate-cache')).toBe('miss');
    const streamedText = await answerText(streamed);
    await stored(namespace);

    const plain = await chat(key, question);
    expect(plain.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(plain.headers.get('content-type')).toContain('application/json');
    const body = await plain.json<Json>();
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices[0].message.content).toBe(streamedText);
    expect(streamedText).toBe('The capital  of France is Paris.\n');
    expect(body.usage).toEqual({ prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 });
    expect(calls()).toBe(1);
  });

  it('replays a non-streamed miss as SSE, with the usage chunk only when asked', async () => {
    const { key, namespace } = await setup();
    const calls = upstream(() => 'Paris, of course.');
    const plain = await chat(key, question);
    const plainText = await answerText(plain);
    await stored(namespace);

    const streamed = await chat(key, { ...question, stream: true });
    expect(streamed.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const text = await streamed.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseEvents(text) as Json[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.some((e) => e.usage)).toBe(false);
    expect(events.map((e) => e.choices[0]?.delta?.content ?? '').join('')).toBe(plainText);

    const withUsage = await chat(key, { ...question, stream: true, stream_options: { include_usage: true } });
    const usageEvents = sseEvents(await withUsage.text()) as Json[];
    expect(usageEvents.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 1500 } });
    expect(calls()).toBe(1);
  });

  it('does not store failed upstream answers, incomplete streams or content-filtered ones', async () => {
    const { key, namespace } = await setup({ retry: { attempts: 0 } });
    upstream((n) => {
      if (n === 1) return json({ error: { message: 'boom' } }, 500);
      if (n === 2) return sse(streamOf(['Half', ' an', ' answer']).slice(0, 3));
      // Asked for two choices, it ends ([DONE]) after one: not the whole answer.
      if (n === 3) return sse(streamOf(['One', ' choice']));
      return json(
        completion('filtered', {
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: '' },
              logprobs: null,
              finish_reason: 'content_filter',
            },
          ],
        }),
      );
    });
    expect((await chat(key, question)).status).toBe(502);
    await (await chat(key, { ...question, stream: true })).text();
    await (await chat(key, { ...question, n: 2, stream: true })).text();
    await (await chat(key, question)).text();
    await sleep(100);
    expect(await entries(namespace)).toBe(0);
  });

  it('does not store upstream 400s', async () => {
    const { key, namespace } = await setup();
    const calls = upstream(() =>
      json({ error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } }, 400),
    );
    expect((await chat(key, question)).status).toBe(400);
    expect((await chat(key, question)).status).toBe(400);
    expect(await entries(namespace)).toBe(0);
    expect(calls()).toBe(2);
  });

  it('bypasses the cache for temperature > 0 without a seed (configurable)', async () => {
    const { key, namespace } = await setup();
    const calls = upstream((n) => `answer ${n}`);
    const warm = { ...question, temperature: 0.8 };
    expect((await chat(key, warm)).headers.get('x-tollgate-cache')).toBe('skip');
    expect((await chat(key, warm)).headers.get('x-tollgate-cache')).toBe('skip');
    expect(calls()).toBe(2);
    await (await chat(key, { ...warm, seed: 1 })).text();
    await stored(namespace);
    expect((await chat(key, { ...warm, seed: 1 })).headers.get('x-tollgate-cache')).toBe('hit-exact');

    expect((await putConfig(cachedConfig({ maxTemperature: 1 }))).status).toBe(200);
    await (await chat(key, warm)).text();
    await stored(namespace, 2);
    expect((await chat(key, warm)).headers.get('x-tollgate-cache')).toBe('hit-exact');
  });

  it('stores answers with tool calls only when cache.toolCalls is on', async () => {
    const toolAnswer = () =>
      json(
        completion('', {
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: null,
                refusal: null,
                tool_calls: [
                  { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } },
                ],
              },
              logprobs: null,
              finish_reason: 'tool_calls',
            },
          ],
        }),
      );
    const withTools = { ...question, tools: [{ type: 'function', function: { name: 'weather' } }] };
    const { key, namespace } = await setup();
    const calls = upstream(toolAnswer);
    await (await chat(key, withTools)).text();
    await sleep(50);
    expect((await chat(key, withTools)).headers.get('x-tollgate-cache')).toBe('miss');
    expect(calls()).toBe(2);
    expect(await entries(namespace)).toBe(0);

    expect((await putConfig(cachedConfig({ toolCalls: true }))).status).toBe(200);
    await (await chat(key, withTools)).text();
    await stored(namespace);
    const hit = await chat(key, withTools);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect((await hit.json<Json>()).choices[0].message.tool_calls[0].function.name).toBe('weather');
  });

  it('settles a hit at zero: the budget is charged once, for the miss', async () => {
    const { id, key, namespace } = await setup({}, { budget: { usd: 100, period: 'total' } });
    upstream(() => 'Paris');
    await (await chat(key, question)).text();
    await stored(namespace);
    const spendAfter = async () => {
      for (let i = 0; i < 100; i++) {
        const usage = (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage;
        if (usage.reservedUsd === 0) return usage.spendUsd as number;
        await sleep(10);
      }
      throw new Error('reservation never settled');
    };
    const afterMiss = await spendAfter();
    expect(afterMiss).toBeGreaterThan(0);
    expect((await chat(key, question)).headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(await spendAfter()).toBe(afterMiss);
  });

  it('coalesces identical concurrent non-streamed misses into one upstream call', async () => {
    const { key } = await setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    // The upstream answer is held until every request is waiting.
    onUpstream(CHAT_URL, async () => {
      calls++;
      await gate;
      return json(completion('Paris'));
    });
    const leader = chat(key, question);
    for (let i = 0; i < 100 && calls === 0; i++) await sleep(5);
    const followers = [chat(key, question), chat(key, question)];
    await sleep(50);
    release();
    const responses = await Promise.all([leader, ...followers]);
    const statuses = responses.map((r) => r.headers.get('x-tollgate-cache'));
    expect(statuses).toEqual(['miss', 'hit-exact', 'hit-exact']);
    const ids = await Promise.all(responses.map(async (r) => (await r.json<Json>()).id));
    expect(new Set(ids).size).toBe(1);
    expect(calls).toBe(1);
  });
});

describe('bad cache input', () => {
  it('answers 400 for malformed cache headers before calling anything', async () => {
    const { key } = await setup();
    const calls = upstream(() => 'x');
    const bad: Record<string, string>[] = [
      { 'x-tollgate-cache': 'always' },
      { 'x-tollgate-cache-ttl': 'ten' },
      { 'x-tollgate-cache-ttl': '0' },
      { 'x-tollgate-cache-ttl': String(400 * 86_400) },
    ];
    for (const headers of bad) {
      const response = await chat(key, question, headers);
      expect(response.status).toBe(400);
      const error = (await response.json<Json>()).error;
      expectOpenAIShape('ErrorResponse', { error });
      expect(error).toMatchObject({ type: 'invalid_request_error', param: Object.keys(headers)[0] });
    }
    expect(calls()).toBe(0);
  });

  const badConfigs: [string, Record<string, unknown>, string][] = [
    ['a threshold above 1', { semantic: { threshold: 1.5 } }, 'cache.semantic.threshold'],
    [
      'an unknown embedding provider',
      { semantic: { enabled: true, embedding: { provider: 'nope' } } },
      'cache.semantic.embedding.provider',
    ],
    [
      'an embedding provider that lists no model to default to, and none named',
      { semantic: { enabled: true, embedding: { provider: 'openai' } } },
      'cache.semantic.embedding.model',
    ],
    ['a zero TTL', { exact: { ttlSeconds: 0 } }, 'cache.exact.ttlSeconds'],
    ['an unknown field', { exactly: true }, 'cache.exactly'],
    [
      'a key in two namespaces',
      { namespaces: { a: { keys: ['k1'] }, b: { keys: ['k1'] } } },
      'cache.namespaces.b.keys[0]',
    ],
    ['a bad namespace name', { namespaces: { 'a b': { keys: [] } } }, 'cache.namespaces.a b'],
    ['maxTemperature above 2', { maxTemperature: 3 }, 'cache.maxTemperature'],
  ];
  it('takes an embedding provider without a model when it has a default one, or when semantic caching is off', async () => {
    const mockOnly = (semantic: Record<string, unknown>) => ({
      providers: { mock: { type: 'mock' } },
      models: { fast: { targets: [{ provider: 'mock', model: 'mock-1' }] } },
      cache: { semantic },
    });
    expect((await putConfig(mockOnly({ enabled: true, embedding: { provider: 'mock' } }))).status).toBe(200);
    expect(
      (await putConfig(openaiConfig({ cache: { semantic: { embedding: { provider: 'openai' } } } }))).status,
    ).toBe(200);
  });

  it('rejects an embedding provider whose type serves no embeddings (anthropic, bedrock)', async () => {
    const chatOnly = {
      claude: { type: 'anthropic', apiKey: 'sk-ant' },
      aws: { type: 'bedrock', region: 'us-east-1', accessKeyId: 'AKIA', secretAccessKey: 'secret' },
    };
    for (const provider of Object.keys(chatOnly)) {
      const config = openaiConfig({
        cache: { semantic: { enabled: true, embedding: { provider, model: 'm' } } },
      });
      const response = await putConfig({ ...config, providers: { ...config.providers, ...chatOnly } });
      expect(response.status).toBe(400);
      const error = (await response.json<Json>()).error;
      expectOpenAIShape('ErrorResponse', { error });
      expect(error.param).toBe('cache.semantic.embedding.provider');
      expect(error.message).toContain(`provider '${provider}'`);
      expect(error.message).toContain('serves no embeddings');
    }
  });

  it("takes a vertex embedding provider with Google's embedding model, and refuses a Claude one named or listed first", async () => {
    const withVertex = (embedding: Record<string, unknown>, models?: string[]) => {
      const config = openaiConfig({ cache: { semantic: { enabled: true, embedding } } });
      const vertex = {
        type: 'vertex',
        project: 'acme-prod',
        location: 'us-east5',
        accessToken: 'ya29.x',
        models,
      };
      return { ...config, providers: { ...config.providers, vertex } };
    };
    expect((await putConfig(withVertex({ provider: 'vertex', model: 'text-embedding-005' }))).status).toBe(
      200,
    );
    expect((await putConfig(withVertex({ provider: 'vertex' }, ['gemini-embedding-001']))).status).toBe(200);
    for (const config of [
      withVertex({ provider: 'vertex', model: 'claude-sonnet-4-5@20250929' }),
      withVertex({ provider: 'vertex' }, ['claude-sonnet-4-5@20250929', 'text-embedding-005']),
    ]) {
      const response = await putConfig(config);
      expect(response.status).toBe(400);
      const error = (await response.json<Json>()).error;
      expectOpenAIShape('ErrorResponse', { error });
      expect(error.param).toBe('cache.semantic.embedding.model');
      expect(error.message).toContain("'claude-sonnet-4-5@20250929'");
      expect(error.message).toContain('serves chat only');
    }
  });

  for (const [what, cache, param] of badConfigs) {
    it(`rejects a cache config with ${what}`, async () => {
      const response = await putConfig(openaiConfig({ cache }));
      expect(response.status).toBe(400);
      const error = (await response.json<Json>()).error;
      expect(error.type).toBe('invalid_request_error');
      expect(error.param).toBe(param);
    });
  }

  it('rejects an invalid per-key cache policy', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    for (const cache of [{ threshold: 2 }, { ttlSeconds: -1 }, { enable: false }]) {
      const response = await admin('/admin/keys', 'POST', { name: 'k', cache });
      expect(response.status).toBe(400);
      expect((await response.json<Json>()).error.param).toMatch(/^cache/);
    }
  });

  it('reads, updates and clears a key cache policy', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const created = await createKey({ cache: { ttlSeconds: 60, semantic: true } });
    expect((await (await admin(`/admin/keys/${created.id}`)).json<Json>()).cache).toEqual({
      ttlSeconds: 60,
      semantic: true,
    });
    const patched = await admin(`/admin/keys/${created.id}`, 'PATCH', { cache: { enabled: false } });
    expect((await patched.json<Json>()).cache).toEqual({ enabled: false });
    const cleared = await admin(`/admin/keys/${created.id}`, 'PATCH', { cache: null });
    expect((await cleared.json<Json>()).cache).toBeNull();
  });
});

describe('entry size', () => {
  const entry = (content: string) => ({
    v: 1 as const,
    completion: { ...completion(content), object: 'chat.completion' as const },
    createdAt: 0,
    expiresAt: 3_600_000,
    provider: 'openai',
    model: 'gpt-4o-mini',
    costUsd: 0,
  });

  it('measures the 4 MiB limit in UTF-8 bytes: 1.5 M CJK characters (4.5 MB) are not stored', async () => {
    expect(await writeEntry(env.CACHE, 'size:cjk', entry('日'.repeat(1_500_000)), 0)).toBeUndefined();
    expect(await env.CACHE.get('size:cjk')).toBeNull();
    expect(await writeEntry(env.CACHE, 'size:ascii', entry('a'.repeat(1_500_000)), 0)).toBeDefined();
  });
});
