import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { PARSE_LIMIT } from '../../src/providers/openai-wire-answer';
import { admin, call, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { settled } from '../helpers/settled';
import { json, onUpstream, recorded, resetUpstream } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const embed = (key: string, body: unknown) =>
  call('/v1/embeddings', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('POST /v1/embeddings', () => {
  it('forwards to an OpenAI-compatible provider with the target model', async () => {
    await putConfig({
      ...openaiConfig(),
      models: { vec: { targets: [{ provider: 'openai', model: 'text-embedding-3-small' }] } },
    });
    const { key } = await createKey();
    const answer = {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    };
    onUpstream(`${OPENAI_URL}/embeddings`, () => json(answer));
    const response = await embed(key, { model: 'vec', input: 'hello', dimensions: 2, extra_thing: true });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(answer);
    expect(recorded[0]?.body).toEqual({
      model: 'text-embedding-3-small',
      input: 'hello',
      dimensions: 2,
      extra_thing: true,
    });
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');
  });

  it('relays a very large answer as the provider wrote it, unparsed, with its usage', async () => {
    await putConfig({
      ...openaiConfig(),
      models: { vec: { targets: [{ provider: 'openai', model: 'text-embedding-3-small' }] } },
    });
    const { key } = await createKey();
    const vector = Array.from({ length: 1536 }, (_, i) => Math.sin(i) / 3);
    const data = Array.from({ length: 200 }, (_, index) => ({
      object: 'embedding',
      index,
      embedding: vector,
    }));
    // Over PARSE_LIMIT (4 MiB), in OpenAI's own layout (indented, usage last).
    const big = JSON.stringify(
      {
        object: 'list',
        data,
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 1234, total_tokens: 1234 },
      },
      null,
      2,
    );
    expect(big.length).toBeGreaterThan(PARSE_LIMIT);
    onUpstream(
      `${OPENAI_URL}/embeddings`,
      () => new Response(big, { headers: { 'content-type': 'application/json' } }),
    );
    const response = await call('/v1/embeddings', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'x-request-id': 'emb-big-1',
      },
      body: JSON.stringify({ model: 'vec', input: Array.from({ length: 200 }, () => 'text') }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(big);
    const rows = await waitForRows(['emb-big-1']);
    expect(rows.get('emb-big-1')).toMatchObject({ status: 200, inputTokens: 1234 });

    // Usage first, model last (another provider's layout): relayed too, the input estimated.
    resetUpstream();
    const usageFirst = `{"usage":{"prompt_tokens":1234,"total_tokens":1234},"data":${JSON.stringify(data)},"model":"m"}`;
    onUpstream(`${OPENAI_URL}/embeddings`, () => new Response(`  ${usageFirst}\n`));
    const other = await embed(key, { model: 'vec', input: 'text' });
    expect(other.status).toBe(200);
    expect(await other.text()).toBe(`  ${usageFirst}\n`);

    // Cut short, it is not relayed: the attempt failed (502 with one target).
    resetUpstream();
    onUpstream(`${OPENAI_URL}/embeddings`, () => new Response(big.slice(0, big.length >> 1)));
    const cut = await embed(key, { model: 'vec', input: 'text' });
    expect(cut.status).toBe(502);
    expect((await cut.json<Json>()).error.message).toContain('could not be used');
  });

  it("names the input, not max_tokens, when the input alone is past the key's TPM limit", async () => {
    const { key } = await createKey({ limits: { tpm: 1000 } });
    const response = await embed(key, { model: 'mock/mock-embed', input: 'word '.repeat(1_500) });
    expect(response.status).toBe(429);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const { error } = await response.json<Json>();
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', param: 'input' });
    expect(error.message).not.toContain('max_tokens');
  });

  it('gives similar vectors to texts sharing words (mock)', async () => {
    const { key } = await createKey();
    const response = await embed(key, {
      model: 'embeddings',
      input: ['the cat sat on the mat', 'the cat sat on a mat', 'quantum chromodynamics lecture'],
    });
    const { data } = await response.json<Json>();
    const cos = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    expect(cos(data[0].embedding, data[1].embedding)).toBeGreaterThan(0.8);
    expect(cos(data[0].embedding, data[2].embedding)).toBeLessThan(0.2);
  });

  const bad: [string, unknown, string | null][] = [
    ['a missing input', { model: 'embeddings' }, 'input'],
    ['an empty input list', { model: 'embeddings', input: [] }, 'input'],
    ['a numeric input', { model: 'embeddings', input: 42 }, 'input'],
    ['a bad encoding', { model: 'embeddings', input: 'x', encoding_format: 'hex' }, 'encoding_format'],
  ];
  for (const [name, body, param] of bad) {
    it(`rejects ${name}`, async () => {
      const { key } = await createKey();
      const response = await embed(key, body);
      expect(response.status).toBe(400);
      expect((await response.json<Json>()).error.param).toBe(param);
    });
  }
});

const GEMINI_URL = 'https://gemini.test/v1beta';
const COHERE_URL = 'https://cohere.test';
const gemini = { type: 'gemini', baseUrl: GEMINI_URL, apiKey: 'AIza-test' };
const openaiAnswer = {
  object: 'list',
  data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: 2, total_tokens: 2 },
};

/** The key's usage once its reservation is settled. */
async function settledUsage(id: string): Promise<Json> {
  let usage: Json = {};
  for (let i = 0; i < 100; i++) {
    usage = (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage;
    if (usage.reservedUsd === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return usage;
}

describe('embeddings input limits', () => {
  it("refuses more than 2,048 inputs (OpenAI's limit) with a 400 naming input, before any provider call", async () => {
    await putConfig({
      providers: { gemini },
      models: { vec: { targets: [{ provider: 'gemini', model: 'gemini-embedding-001' }] } },
    });
    const { key } = await createKey();
    for (const input of [Array.from({ length: 2049 }, () => 'x'), Array.from({ length: 2049 }, () => [1])]) {
      const response = await embed(key, { model: 'vec', input });
      expect(response.status).toBe(400);
      const { error } = await response.json<Json>();
      expect(error).toMatchObject({ type: 'invalid_request_error', param: 'input' });
      expect(error.message).toContain('at most 2048 inputs');
    }
    expect(recorded).toHaveLength(0);
  });

  it('takes null optional parameters as unset, as chat does (an OpenAI-wire provider gets them as sent)', async () => {
    await putConfig({
      ...openaiConfig(),
      models: { vec: { targets: [{ provider: 'openai', model: 'text-embedding-3-small' }] } },
    });
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/embeddings`, () =>
      json({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1] }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    );
    const nulls = { dimensions: null, user: null, encoding_format: null };
    const response = await embed(key, { model: 'vec', input: 'hello', ...nulls });
    expect(response.status).toBe(200);
    expect(recorded[0]?.body).toEqual({ model: 'text-embedding-3-small', input: 'hello', ...nulls });
    const translated = await embed(key, { model: 'mock/mock-embed', input: 'hello', ...nulls });
    expect(translated.status).toBe(200);
    expect((await translated.json<Json>()).data[0].embedding).toHaveLength(256); // the default size
  });

  it('takes 2,048 inputs, and one token array longer than that (it is one input)', async () => {
    const { key } = await createKey();
    const many = await embed(key, {
      model: 'mock/mock-embed',
      input: Array.from({ length: 2048 }, () => 'x'),
    });
    expect(many.status).toBe(200);
    expect((await many.json<Json>()).data).toHaveLength(2048);
    const long = await embed(key, { model: 'mock/mock-embed', input: Array.from({ length: 3000 }, () => 7) });
    expect(long.status).toBe(200);
  });
});

describe('embeddings usage the provider does not report', () => {
  it('answers and charges the estimate for Gemini, and logs the row as estimated', async () => {
    await putConfig({
      providers: { gemini },
      models: { vec: { targets: [{ provider: 'gemini', model: 'gemini-embedding-001' }] } },
    });
    const { key } = await createKey();
    onUpstream(`${GEMINI_URL}/models/gemini-embedding-001:batchEmbedContents`, () =>
      json({ embeddings: [{ values: [0.6, 0.8] }] }),
    );
    const response = await embed(key, { model: 'vec', input: 'hello world, how are you' });
    expect(response.status).toBe(200);
    const body = await response.json<Json>();
    expectOpenAIShape('CreateEmbeddingResponse', body);
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    const requestId = response.headers.get('x-request-id')!;
    const row = (await waitForRows([requestId], 8000, 'id')).get(requestId)!;
    expect(row.inputTokens).toBe(body.usage.prompt_tokens);
    expect(row.usageDetail?.estimated).toBe(true);
  });

  it('charges the estimate, not 0 tokens, for a Cohere answer without billed_units', async () => {
    await putConfig({
      providers: { co: { type: 'cohere', baseUrl: COHERE_URL, apiKey: 'co-test' } },
      models: { vec: { targets: [{ provider: 'co', model: 'embed-v4.0' }] } },
      pricing: { 'co/embed-v4.0': { inputPerMTok: 100_000, outputPerMTok: 0 } },
    });
    const { id, key } = await createKey({ budget: { usd: 100, period: 'month' } });
    onUpstream(`${COHERE_URL}/v2/embed`, () =>
      json({ id: 'e1', embeddings: { float: [[0.1, 0.2]] }, texts: ['a'] }),
    );
    const response = await embed(key, {
      model: 'vec',
      input: 'a fairly long text to embed here '.repeat(20),
    });
    expect(response.status).toBe(200);
    const body = await response.json<Json>();
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    const usage = await settledUsage(id);
    expect(usage.spendUsd).toBeCloseTo((body.usage.prompt_tokens * 100_000) / 1e6, 10);
    const requestId = response.headers.get('x-request-id')!;
    const row = (await waitForRows([requestId], 8000, 'id')).get(requestId)!;
    expect(row.usageDetail?.estimated).toBe(true);
  });

  it('does not mark a count the provider reported as estimated', async () => {
    await putConfig({
      ...openaiConfig(),
      models: { vec: { targets: [{ provider: 'openai', model: 'text-embedding-3-small' }] } },
    });
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/embeddings`, () => json(openaiAnswer));
    const response = await embed(key, { model: 'vec', input: 'hello' });
    const requestId = response.headers.get('x-request-id')!;
    const row = (await waitForRows([requestId], 8000, 'id')).get(requestId)!;
    expect(row.inputTokens).toBe(2);
    expect(row.usageDetail?.estimated).toBeUndefined();
  });
});

describe('embeddings a target cannot serve', () => {
  const route = (...targets: [string, string][]) => ({
    vec: { targets: targets.map(([provider, model]) => ({ provider, model })) },
  });
  const providers = {
    openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test' },
    gemini,
    co: { type: 'cohere', baseUrl: COHERE_URL, apiKey: 'co-test' },
    cf: { type: 'workers-ai' },
  };

  it('passes token arrays over Gemini to the next target, which takes them', async () => {
    await putConfig({
      providers,
      models: route(['gemini', 'gemini-embedding-001'], ['openai', 'text-embedding-3-small']),
    });
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/embeddings`, () => json(openaiAnswer));
    const response = await embed(key, { model: 'vec', input: [1, 2] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');
    expect(recorded.map((r) => r.url)).toEqual([`${OPENAI_URL}/embeddings`]);
    expect(recorded[0]?.body).toMatchObject({ input: [1, 2] });
  });

  it('passes dimensions over Workers AI to the next target', async () => {
    await putConfig({
      providers,
      models: route(['cf', '@cf/baai/bge-small-en-v1.5'], ['openai', 'text-embedding-3-small']),
    });
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/embeddings`, () => json(openaiAnswer));
    const response = await embed(key, { model: 'vec', input: 'hello', dimensions: 2 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');
    expect(recorded[0]?.body).toMatchObject({ dimensions: 2 });
  });

  it('answers the first refusal, a 400 naming input, when no target can serve it', async () => {
    await putConfig({ providers, models: route(['gemini', 'gemini-embedding-001'], ['co', 'embed-v4.0']) });
    const { key } = await createKey();
    const response = await embed(key, { model: 'vec', input: [[1, 2]] });
    expect(response.status).toBe(400);
    expect((await response.json<Json>()).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'input',
      message: 'Gemini embeds text, not token arrays.',
    });
    expect(recorded).toHaveLength(0);
  });

  it('lists a target that cannot serve the request when the others fail', async () => {
    await putConfig({
      providers,
      retry: { attempts: 0 },
      models: route(['gemini', 'gemini-embedding-001'], ['openai', 'text-embedding-3-small']),
    });
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/embeddings`, () => json({ error: { message: 'down' } }, 500));
    const response = await embed(key, { model: 'vec', input: [1, 2] });
    expect(response.status).toBe(502);
    const { error } = await response.json<Json>();
    expect(error.message).toContain(
      'gemini/gemini-embedding-001: skipped, cannot serve this request (Gemini embeds text, not token arrays)',
    );
    expect(error.message).toContain('openai/text-embedding-3-small: server error (HTTP 500)');
  });
});

describe('GET /v1/models', () => {
  it('lists aliases and provider models the key may use', async () => {
    const { key } = await createKey();
    const all = await (
      await call('/v1/models', { headers: { authorization: `Bearer ${key}` } })
    ).json<Json>();
    expect(all.object).toBe('list');
    expect(all.data.map((m: { id: string }) => m.id)).toEqual(['fast', 'smart', 'embeddings', 'mock/mock-1']);

    const limited = await createKey({ models: ['fast', 'mock/*'] });
    const some = await (
      await call('/v1/models', { headers: { authorization: `Bearer ${limited.key}` } })
    ).json<Json>();
    expect(some.data.map((m: { id: string }) => m.id)).toEqual(['fast', 'mock/mock-1']);
  });

  it('lists an alias named like a provider model once', async () => {
    const config = {
      providers: { mock: { type: 'mock' } },
      models: { 'mock/mock-1': { targets: [{ provider: 'mock', model: 'mock-1' }] } },
    };
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    const listed = await (
      await call('/v1/models', { headers: { authorization: `Bearer ${key}` } })
    ).json<Json>();
    expect(listed.data.map((m: { id: string }) => m.id)).toEqual(['mock/mock-1']);
  });

  it('logs the listing under the key from its policy, with no D1 lookup of the key', async () => {
    const { id, key } = await createKey();
    // Only the key's object still knows it: a lookup in D1 would find nothing to name the row by.
    await env.DB.prepare('UPDATE keys SET key_hash = ? WHERE id = ?').bind('gone', id).run();
    const response = await call('/v1/models', {
      headers: { authorization: `Bearer ${key}`, 'x-request-id': 'models-log-1' },
    });
    expect(response.status).toBe(200);
    const rows = await waitForRows(['models-log-1']);
    expect(rows.get('models-log-1')).toMatchObject({ keyId: id, status: 200, path: '/v1/models' });
  });

  it("lists only what the key's team allows too, and logs the team's zero data retention", async () => {
    const created = await admin('/admin/teams', 'POST', {
      name: 'listing',
      models: ['fast', 'smart'],
      zdr: true,
    });
    const team = (await created.json<Json>()).id;
    const { key } = await createKey({ models: ['fast', 'mock/*'], team });
    const response = await call('/v1/models', {
      headers: { authorization: `Bearer ${key}`, 'x-request-id': 'models-team-1' },
    });
    const listed = await response.json<Json>();
    expect(listed.data.map((m: { id: string }) => m.id)).toEqual(['fast']);
    const rows = await waitForRows(['models-team-1']);
    expect(rows.get('models-team-1')).toMatchObject({ teamId: team, zdr: true });
  });

  it('refuses an unknown key', async () => {
    const response = await call('/v1/models', { headers: { authorization: `Bearer tg-${'B'.repeat(32)}` } });
    expect(response.status).toBe(401);
  });
});

describe('embeddings budgets', () => {
  it('charges the budget for a request that reserved nothing (empty inputs) but the provider billed', async () => {
    await putConfig({
      providers: { openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test' } },
      models: { vec: { targets: [{ provider: 'openai', model: 'emb' }] } },
      pricing: { 'openai/emb': { inputPerMTok: 100, outputPerMTok: 0 } },
    });
    const { id, key } = await createKey({ budget: { usd: 0.01, period: 'month' } });
    onUpstream(`${OPENAI_URL}/embeddings`, () =>
      json({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
        model: 'emb',
        usage: { prompt_tokens: 10, total_tokens: 10 },
      }),
    );
    expect((await embed(key, { model: 'vec', input: ['', ''] })).status).toBe(200);
    let usage: Json = {};
    for (let i = 0; i < 100; i++) {
      usage = (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage;
      if (usage.spendUsd > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(usage.spendUsd).toBe(0.001); // 10 tokens at $100 per million, though $0 was reserved
  });

  it('charges the input of an attempt it timed out, as for chat (the provider had it)', async () => {
    await putConfig({
      providers: {
        openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test' },
        mock: { type: 'mock' },
      },
      models: {
        vec: {
          targets: [
            { provider: 'openai', model: 'emb-dear' },
            { provider: 'mock', model: 'mock-embed' },
          ],
        },
      },
      pricing: { 'openai/emb-dear': { inputPerMTok: 100_000, outputPerMTok: 0 } },
      timeouts: { requestMs: 100 },
      retry: { attempts: 0 },
    });
    const { id, key } = await createKey({ budget: { usd: 10, period: 'month' } });
    onUpstream(
      `${OPENAI_URL}/embeddings`,
      () => new Promise<Response>((resolve) => setTimeout(() => resolve(json({})), 1_000)),
    );
    const response = await embed(key, { model: 'vec', input: 'one two three four' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    let usage: Json = {};
    for (let i = 0; i < 100; i++) {
      usage = (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage;
      if (usage.reservedUsd === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(usage.spendUsd).toBeGreaterThan(0); // the timed-out attempt's input, at $100,000/M
    // The log row counts that input beside the answer's (the mock's), so its tokens and cost agree.
    const served = (await response.json<Json>()).usage.prompt_tokens as number;
    const requestId = response.headers.get('x-request-id')!;
    const row = (await waitForRows([requestId], 8000, 'id')).get(requestId)!;
    expect(row.inputTokens).toBeGreaterThan(served);
    expect(row.costUsd).toBeCloseTo(((row.inputTokens - served) * 100_000) / 1e6, 10);
  });

  it('counts the input of an attempt it timed out against the TPM limit too', async () => {
    await putConfig({
      providers: {
        openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test' },
        mock: { type: 'mock' },
      },
      models: {
        vec: {
          targets: [
            { provider: 'openai', model: 'emb' },
            { provider: 'mock', model: 'mock-embed' },
          ],
        },
      },
      timeouts: { requestMs: 100 },
      retry: { attempts: 0 },
    });
    // 6,000 a minute refills 100 a second: far less than the ~1,000-token input over this test.
    const { id, key } = await createKey({ limits: { tpm: 6000 } });
    onUpstream(
      `${OPENAI_URL}/embeddings`,
      () => new Promise<Response>((resolve) => setTimeout(() => resolve(json({})), 1_000)),
    );
    const response = await embed(key, { model: 'vec', input: 'word '.repeat(800) });
    expect(response.status).toBe(200);
    const served = (await response.json<Json>()).usage.prompt_tokens as number;
    await settled();
    const read = await (await admin(`/admin/keys/${id}`)).json<Json>();
    // The answer's input and the timed-out attempt's (less what refilled meanwhile).
    expect(6000 - read.usage.tpm.remaining).toBeGreaterThan(2 * served - 300);
  });
});
