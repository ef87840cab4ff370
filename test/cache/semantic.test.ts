import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { embeddingModel } from '../../src/cache/embed';
import { cacheKeys, providerSettings, routeIdentity } from '../../src/cache/key';
import { CONFIG_KEY, forgetConfig, getRuntime } from '../../src/config/store';
import type { ChatRequest } from '../../src/openai/schemas';
import { admin, chat, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';
import { answerText, CHAT_URL, cachedConfig, completion, entries, sleep, stored, upstream } from './harness';

const QUESTION = 'Please tell me in one short sentence what the capital city of France is and why it matters';
const ask = (text: string, system = 'You are a geography teacher.') => ({
  model: 'gpt',
  messages: [
    { role: 'system', content: system },
    { role: 'user', content: text },
  ],
});

const semanticConfig = (semantic: Record<string, unknown> = {}, exact = true) =>
  cachedConfig({
    exact: { enabled: exact },
    semantic: { enabled: true, embedding: { provider: 'mock', model: 'mock-embed' }, ...semantic },
  });

/** Waits until the answer to `body` is in the semantic index (written after the KV entry). */
async function indexed(namespace: string, body: unknown): Promise<void> {
  await stored(namespace);
  const runtime = await getRuntime(env);
  const route = runtime.resolve((body as ChatRequest).model)!;
  const keys = await cacheKeys(
    namespace,
    routeIdentity(route, runtime.config.models, {}, providerSettings(runtime.config.providers)),
    body as ChatRequest,
    embeddingModel(runtime, runtime.config.cache),
  );
  const stub = env.SEMANTIC_INDEX.get(env.SEMANTIC_INDEX.idFromName(keys.partition!));
  for (let i = 0; i < 200; i++) {
    if ((await stub.ids()).includes(keys.exact)) return;
    await sleep(10);
  }
  expect.fail('the answer never reached the semantic index');
}

async function setup(semantic: Record<string, unknown> = {}, keyOptions: Record<string, unknown> = {}) {
  expect((await putConfig(semanticConfig(semantic))).status).toBe(200);
  const created = await createKey(keyOptions);
  const calls = upstream((n) => `Paris, answer ${n}.`);
  const first = await chat(created.key, ask(QUESTION));
  expect(first.headers.get('x-tollgate-cache')).toBe('miss');
  await first.text();
  await indexed(`key:${created.id}`, ask(QUESTION));
  return { ...created, calls };
}

describe('semantic answers and requests waiting on an identical one', () => {
  it('never hands a semantic answer to a waiting request whose key turned semantic answers off', async () => {
    const config = cachedConfig(
      { semantic: { enabled: true, embedding: { provider: 'mock', model: 'mock-embed' } } },
      // Slow embeddings: the second request arrives while the first is still looking.
      { providers: { ...openaiConfig().providers, mock: { type: 'mock', latencyMs: 60 } } },
    );
    expect((await putConfig(config)).status).toBe(200);
    const team = (await (await admin('/admin/teams', 'POST', { name: 'semantic-split' })).json<Json>()).id;
    const open = await createKey({ team });
    const closed = await createKey({ team, cache: { semantic: false } });
    const calls = upstream((n) => `Paris, answer ${n}.`);
    await (await chat(open.key, ask(QUESTION))).text();
    await indexed(`team:${team}`, ask(QUESTION));

    const paraphrase = ask(`${QUESTION} today`);
    const first = chat(open.key, paraphrase);
    await sleep(5);
    const second = await chat(closed.key, paraphrase);
    expect((await first).headers.get('x-tollgate-cache')).toBe('hit-semantic');
    expect(second.headers.get('x-tollgate-cache')).not.toBe('hit-semantic');
    expect(await answerText(second)).toBe('Paris, answer 2.');
    expect(calls()).toBe(2);
  });

  it('never stores a semantic match under the exact key of a refresh that ran beside it and failed', async () => {
    const config = cachedConfig(
      { semantic: { enabled: true, embedding: { provider: 'mock', model: 'mock-embed' } } },
      // Slow embeddings: the refresh claims the key while the first request is still looking.
      { providers: { ...openaiConfig().providers, mock: { type: 'mock', latencyMs: 200 } } },
    );
    expect((await putConfig(config)).status).toBe(200);
    const { id, key } = await createKey();
    let calls = 0;
    // The refresh's call fails, after the first request has found its match.
    onUpstream(CHAT_URL, async () => {
      if (++calls === 1) return json(completion('Paris, answer 1.'));
      await sleep(400);
      return json({ error: { message: 'down' } }, 400);
    });
    await (await chat(key, ask(QUESTION))).text();
    await indexed(`key:${id}`, ask(QUESTION));

    const paraphrase = ask(`${QUESTION} today`);
    const matched = chat(key, paraphrase);
    await sleep(80);
    const refreshed = await chat(key, paraphrase, { 'x-tollgate-cache': 'refresh' });
    expect(refreshed.status).toBe(400);
    expect((await matched).headers.get('x-tollgate-cache')).toBe('hit-semantic');
    await sleep(100); // the write, were it made
    // The paraphrase has no answer of its own: still a semantic match, never an exact one.
    expect(await entries(`key:${id}`)).toBe(1);
    const again = await chat(key, paraphrase);
    expect(again.headers.get('x-tollgate-cache')).toBe('hit-semantic');
    expect(calls).toBe(2);
  });
});

describe('a stored config whose embedding provider has no model to use', () => {
  it('embeds nothing (no request with an empty model): the semantic cache is simply off', async () => {
    // Stored before PUT checked it (PUT /admin/config now refuses it: exact.test.ts).
    const config = cachedConfig({ semantic: { enabled: true, embedding: { provider: 'openai' } } });
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(config));
    forgetConfig();
    const calls = upstream(() => 'Paris');
    onUpstream(`${OPENAI_URL}/embeddings`, () => new Response('{}', { status: 400 }));
    const { key } = await createKey();
    const response = await chat(key, ask(QUESTION));
    expect(response.status).toBe(200);
    await response.text();
    await sleep(50);
    expect(calls()).toBe(1);
    expect(recorded.map((r) => new URL(r.url).pathname)).not.toContain('/v1/embeddings');
  });
});

describe('a stored config whose embedding provider serves no embeddings', () => {
  it('still loads and answers: the semantic cache just finds nothing', async () => {
    // Stored before PUT checked it (PUT /admin/config now refuses it: exact.test.ts).
    const config = cachedConfig(
      { semantic: { enabled: true, embedding: { provider: 'claude', model: 'claude-x' } } },
      { providers: { ...openaiConfig().providers, claude: { type: 'anthropic', apiKey: 'sk-ant' } } },
    );
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(config));
    forgetConfig();
    const calls = upstream(() => 'Paris');
    const { key } = await createKey();
    const response = await chat(key, ask(QUESTION));
    expect(response.status).toBe(200);
    expect(await answerText(response)).toBe('Paris');
    expect(calls()).toBe(1);
  });
});

describe('semantic cache with the mock provider embeddings', () => {
  it('answers a paraphrase sharing most words from the cache, with its similarity', async () => {
    const { key, calls } = await setup();
    const paraphrase = await chat(key, ask(`${QUESTION} today`));
    expect(paraphrase.headers.get('x-tollgate-cache')).toBe('hit-semantic');
    const similarity = Number(paraphrase.headers.get('x-tollgate-cache-similarity'));
    expect(similarity).toBeGreaterThanOrEqual(0.95);
    expect(similarity).toBeLessThan(1);
    expect(await answerText(paraphrase)).toBe('Paris, answer 1.');
    expect(calls()).toBe(1);

    // The same words in another order and case are the same bag of words: similarity 1.
    const reordered = await chat(
      key,
      ask('In one short sentence, please tell me what the capital city of FRANCE is and why it matters'),
    );
    expect(reordered.headers.get('x-tollgate-cache')).toBe('hit-semantic');
    expect(Number(reordered.headers.get('x-tollgate-cache-similarity'))).toBeCloseTo(1, 4);
  });

  it('replays a semantic hit as SSE for a streaming request', async () => {
    const { key } = await setup();
    const response = await chat(key, { ...ask(`${QUESTION} today`), stream: true });
    expect(response.headers.get('x-tollgate-cache')).toBe('hit-semantic');
    expect(await answerText(response)).toBe('Paris, answer 1.');
  });

  it('misses a different question', async () => {
    const { key, calls } = await setup();
    const other = await chat(
      key,
      ask('How many moons does Jupiter have and who discovered the largest ones'),
    );
    expect(other.headers.get('x-tollgate-cache')).toBe('miss');
    expect(other.headers.get('x-tollgate-cache-similarity')).toBeNull();
    expect(calls()).toBe(2);
  });

  it('misses the same last question under a different system prompt', async () => {
    const { key, calls } = await setup();
    const other = await chat(key, ask(QUESTION, 'You are a pirate.'));
    expect(other.headers.get('x-tollgate-cache')).toBe('miss');
    expect(calls()).toBe(2);
  });

  it('misses when an output-changing parameter differs', async () => {
    const { key, calls } = await setup();
    const other = await chat(key, { ...ask(`${QUESTION} today`), max_tokens: 5 });
    expect(other.headers.get('x-tollgate-cache')).toBe('miss');
    expect(calls()).toBe(2);
  });

  it('honours a stricter threshold from the config or the key', async () => {
    const strictConfig = await setup({ threshold: 0.99 });
    expect((await chat(strictConfig.key, ask(`${QUESTION} today`))).headers.get('x-tollgate-cache')).toBe(
      'miss',
    );
    const strictKey = await setup({}, { cache: { threshold: 0.99 } });
    expect((await chat(strictKey.key, ask(`${QUESTION} today`))).headers.get('x-tollgate-cache')).toBe(
      'miss',
    );
  });

  it('never matches across tenants', async () => {
    const { calls } = await setup();
    const other = await createKey();
    expect((await chat(other.key, ask(QUESTION))).headers.get('x-tollgate-cache')).toBe('miss');
    expect(calls()).toBe(2);
  });

  it('is off by default, and a key can opt out of it', async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const calls = upstream((n) => `answer ${n}`);
    const { id, key } = await createKey();
    await (await chat(key, ask(QUESTION))).text();
    await stored(`key:${id}`);
    await sleep(50);
    expect((await chat(key, ask(`${QUESTION} today`))).headers.get('x-tollgate-cache')).toBe('miss');
    expect(calls()).toBe(2);

    expect((await putConfig(semanticConfig())).status).toBe(200);
    const optedOut = await createKey({ cache: { semantic: false } });
    await (await chat(optedOut.key, ask(QUESTION))).text();
    await stored(`key:${optedOut.id}`);
    await sleep(50);
    expect((await chat(optedOut.key, ask(`${QUESTION} today`))).headers.get('x-tollgate-cache')).toBe('miss');
    expect((await chat(optedOut.key, ask(QUESTION))).headers.get('x-tollgate-cache')).toBe('hit-exact');
  });

  it('lets a key opt in when the config has an embedding but semantic is off', async () => {
    const optedIn = await setup({ enabled: false }, { cache: { semantic: true } });
    expect((await chat(optedIn.key, ask(`${QUESTION} today`))).headers.get('x-tollgate-cache')).toBe(
      'hit-semantic',
    );
  });

  it('does nothing semantic when no embedder is available (no AI binding, no provider named)', async () => {
    expect((await putConfig(cachedConfig({ semantic: { enabled: true } }))).status).toBe(200);
    const calls = upstream(() => 'x');
    const { id, key } = await createKey();
    await (await chat(key, ask(QUESTION))).text();
    await stored(`key:${id}`);
    const response = await chat(key, ask(`${QUESTION} today`));
    expect(response.headers.get('x-tollgate-cache')).toBe('miss');
    expect((await chat(key, ask(QUESTION))).headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(calls()).toBe(2);
  });

  it('works without the exact cache: an identical question is a semantic hit at similarity 1', async () => {
    expect((await putConfig(semanticConfig({}, false))).status).toBe(200);
    const { id, key } = await createKey();
    const calls = upstream((n) => `answer ${n}`);
    await (await chat(key, ask(QUESTION))).text();
    await indexed(`key:${id}`, ask(QUESTION));
    const again = await chat(key, ask(QUESTION));
    expect(again.headers.get('x-tollgate-cache')).toBe('hit-semantic');
    expect(again.headers.get('x-tollgate-cache-similarity')).toBe('1.0000');
    expect(calls()).toBe(1);
  });

  it("never sends a key's prompt to an embedding provider its routing keeps it from", async () => {
    // Data residency: a key allowed only `openai` must not have its prompts embedded by `mock`…
    expect((await putConfig(semanticConfig())).status).toBe(200);
    upstream((n) => `Paris, answer ${n}.`);
    const { id, key } = await createKey({ routing: { allowProviders: ['openai'] } });
    await (await chat(key, ask(QUESTION))).text();
    await stored(`key:${id}`);
    await sleep(50); // time enough to have reached the index, were it going there
    expect((await chat(key, ask(`${QUESTION} today`))).headers.get('x-tollgate-cache')).toBe('miss');
    expect((await chat(key, ask(QUESTION))).headers.get('x-tollgate-cache')).toBe('hit-exact');
    // …nor by a provider it denies, which would otherwise be asked over the network.
    const config: Json = semanticConfig();
    config.providers.emb = { type: 'openai', baseUrl: 'https://embeddings.test/v1', apiKey: 'sk-x' };
    config.cache.semantic.embedding = { provider: 'emb', model: 'e' };
    expect((await putConfig(config)).status).toBe(200);
    const denied = await createKey({ routing: { denyProviders: ['emb'] } });
    await (await chat(denied.key, ask(`${QUESTION} once more`))).text();
    await stored(`key:${denied.id}`);
    await sleep(20);
    expect(recorded.some((r) => r.url.startsWith('https://embeddings.test/'))).toBe(false);
  });

  it('stores nothing with the exact cache off for a request the semantic cache cannot match', async () => {
    expect((await putConfig(semanticConfig({}, false))).status).toBe(200);
    const { id, key } = await createKey();
    const calls = upstream((n) => `answer ${n}`);
    const toolTurn = {
      model: 'gpt',
      messages: [
        { role: 'user', content: QUESTION },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'look_up', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'Paris' },
      ],
      tools: [{ type: 'function', function: { name: 'look_up', parameters: { type: 'object' } } }],
    };
    for (let i = 0; i < 2; i++) {
      const response = await chat(key, toolTurn);
      expect(response.headers.get('x-tollgate-cache')).toBe('skip');
      await response.text();
    }
    await sleep(50);
    expect(await entries(`key:${id}`)).toBe(0);
    expect(calls()).toBe(2);
  });

  it('keeps a semantic lookup failure a miss, not an error', async () => {
    const config: Json = semanticConfig();
    config.providers.emb = { type: 'openai', baseUrl: 'https://embeddings.test/v1', apiKey: 'sk-x' };
    config.cache.semantic.embedding = { provider: 'emb', model: 'e' };
    expect((await putConfig(config)).status).toBe(200);
    upstream(() => 'x');
    const { key } = await createKey();
    const response = await chat(key, ask(QUESTION));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-cache')).toBe('miss');
  });

  it("logs an embedding provider's failure without its text, which may quote the prompt", async () => {
    const config: Json = semanticConfig();
    config.providers.emb = { type: 'openai', baseUrl: 'https://embeddings.test/v1', apiKey: 'sk-x' };
    config.cache.semantic.embedding = { provider: 'emb', model: 'e' };
    expect((await putConfig(config)).status).toBe(200);
    onUpstream('https://embeddings.test/v1/embeddings', async (request) => {
      const { input } = (await request.json()) as { input: string };
      return json({ error: { message: `Input '${input}' is not allowed`, code: 'invalid_input' } }, 400);
    });
    upstream(() => 'Paris.');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { key } = await createKey();
      const response = await chat(key, ask(QUESTION));
      expect(response.headers.get('x-tollgate-cache')).toBe('miss');
      await response.text();
      const logged = () => errors.mock.calls.map((args) => args.map(String).join(' '));
      // The answer's own embedding, for the index, fails after the response.
      for (let i = 0; i < 200 && !logged().some((line) => line.startsWith('cache write failed')); i++)
        await sleep(10);
      expect(logged()).toEqual(
        expect.arrayContaining([
          'cache lookup failed UpstreamError (status 400, code invalid_input, failure caller)',
          'cache write failed UpstreamError (status 400, code invalid_input, failure caller)',
        ]),
      );
      expect(logged().join('\n')).not.toContain('capital city');
    } finally {
      errors.mockRestore();
    }
  });

  it('gives up a lookup slower than cache.lookupTimeoutMs and goes upstream as a miss', async () => {
    const config: Json = semanticConfig();
    config.providers.emb = { type: 'openai', baseUrl: 'https://embeddings.test/v1', apiKey: 'sk-x' };
    config.cache.semantic.embedding = { provider: 'emb', model: 'e' };
    config.cache.lookupTimeoutMs = 200;
    expect((await putConfig(config)).status).toBe(200);
    let cancelled = false;
    onUpstream('https://embeddings.test/v1/embeddings', (request) => {
      // Never answers the lookup; the stored answer's own embedding call hangs too.
      return new Promise<Response>((_, reject) => {
        request.signal.addEventListener('abort', () => {
          cancelled = true;
          reject(new Error('aborted'));
        });
      });
    });
    const calls = upstream(() => 'Paris.');
    const { key } = await createKey();
    const started = Date.now();
    const response = await chat(key, ask(QUESTION));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-cache')).toBe('miss');
    expect(await answerText(response)).toBe('Paris.');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(calls()).toBe(1);
    expect(cancelled).toBe(true);
  });

  it('refuses a lookupTimeoutMs outside 10 ms … 60 s', async () => {
    for (const lookupTimeoutMs of [9, 60_001, 1.5]) {
      const config: Json = semanticConfig();
      config.cache.lookupTimeoutMs = lookupTimeoutMs;
      const response = await putConfig(config);
      expect(response.status).toBe(400);
      expect(((await response.json<Json>()).error as Json).param).toBe('cache.lookupTimeoutMs');
    }
  });
});
