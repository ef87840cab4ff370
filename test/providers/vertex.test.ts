// Vertex AI adapter, called directly with a fake fetch: the URLs and bodies for Gemini and Claude,
// the access token on every call (exchanged once), streams, errors in either shape, and pricing.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { chatRequest, embeddingsRequest } from '../../src/openai/schemas';
import { priceOf } from '../../src/pricing/cost';
import { createProvider } from '../../src/providers/registry';
import { type ChatCompletion, type ProviderAdapter, UpstreamError } from '../../src/providers/types';
import { vertexProviderSchema } from '../../src/providers/vertex';
import anthropicMessage from '../fixtures/anthropic/message-text.json';
import anthropicStream from '../fixtures/anthropic/stream-text.anthropic.sse?raw';
import googleErrors from '../fixtures/gemini/errors.json';
import geminiText from '../fixtures/gemini/generate-text.json';
import geminiTools from '../fixtures/gemini/generate-tools.json';
import geminiStream from '../fixtures/gemini/stream-text.gemini.sse?raw';
import { bytes, relayed } from '../helpers/adapter';
import { parsed } from '../helpers/embeddings';
import type { Json } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { serviceAccount, TOKEN_URI, verifiedAssertion } from '../helpers/service-account';

const REGIONAL =
  'https://us-east5-aiplatform.googleapis.com/v1/projects/acme-prod/locations/us-east5/publishers';
const CLAUDE = 'claude-sonnet-4-5@20250929';

interface Sent {
  url: string;
  headers: Headers;
  body: Json;
  form?: string;
}

type Answer = (request: Request) => Response | Promise<Response>;

async function setup(answer: Answer, config: Record<string, unknown> = {}) {
  const account = await serviceAccount();
  const sent: Sent[] = [];
  const tokenCalls: Sent[] = [];
  let tokens = 0;
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (request.url === TOKEN_URI) {
      const form = new TextDecoder().decode(await request.arrayBuffer());
      tokenCalls.push({ url: request.url, headers: request.headers, body: undefined, form });
      return Response.json({ access_token: `ya29.token-${++tokens}`, expires_in: 3599 });
    }
    sent.push({ url: request.url, headers: request.headers, body: await request.clone().json() });
    return answer(request);
  }) as typeof globalThis.fetch;
  const parsed = vertexProviderSchema.parse({
    type: 'vertex',
    project: 'acme-prod',
    location: 'us-east5',
    serviceAccount: account.json,
    ...config,
  });
  const adapter = createProvider('vertex', parsed, { env, fetch });
  const signal = new AbortController().signal;
  const chat = (body: Record<string, unknown>, model: string) =>
    adapter.chat({
      body: chatRequest.parse({ model: 'v', messages: [{ role: 'user', content: 'Hello' }], ...body }),
      model,
      signal,
      requestId: 'req-v',
    });
  return { adapter, account, sent, tokenCalls, chat, signal };
}

/** The content a client reads from OpenAI SSE text. */
function streamedContent(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => (JSON.parse(line.slice(6)) as Json).choices?.[0]?.delta?.content ?? '')
    .join('');
}

const stream = (text: string) =>
  new Response(bytes(text), { headers: { 'content-type': 'text/event-stream' } });

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('vertex: Gemini models', () => {
  it('posts to the publisher model :generateContent with a bearer token from the service account', async () => {
    const { sent, tokenCalls, chat, account } = await setup(() => Response.json(geminiText));
    const answer = await chat({ temperature: 0.2 }, 'gemini-2.5-flash');
    expect(answer.kind).toBe('json');
    const body = (answer as { body: ChatCompletion & Json }).body;
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices[0].message.content).toBe('Bonjour ! Comment ça va ?');
    expect(body.usage).toMatchObject({ prompt_tokens: 120, completion_tokens: 19 });
    expect(sent[0]!.url).toBe(`${REGIONAL}/google/models/gemini-2.5-flash:generateContent`);
    expect(sent[0]!.headers.get('authorization')).toBe('Bearer ya29.token-1');
    expect(sent[0]!.headers.get('x-goog-api-key')).toBeNull();
    expect(sent[0]!.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
      generationConfig: { temperature: 0.2 },
    });
    expect(tokenCalls).toHaveLength(1);
    const { claims } = await verifiedAssertion(tokenCalls[0]!.form!, account.publicKey);
    expect(claims.iss).toBe('gateway@acme-prod.iam.gserviceaccount.com');
  });

  it('streams through :streamGenerateContent?alt=sse, translated', async () => {
    const { sent, chat } = await setup(() => stream(geminiStream));
    const answer = await chat({ stream: true }, 'gemini-2.5-flash');
    expect(answer.kind).toBe('stream');
    const { text, summary } = await relayed((answer as { body: ReadableStream<Uint8Array> }).body);
    expect(sent[0]!.url).toBe(`${REGIONAL}/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse`);
    expect(streamedContent(text)).toBe('Héllo wörld 🌍 — 日本語!');
    expect(summary.completed).toBe(true);
    expect(text).toContain('data: [DONE]');
  });

  it("relays a call's thought signature as Gemini's does, and sends it back with the call", async () => {
    const { sent, chat } = await setup(() => Response.json(geminiTools));
    const tools = [{ type: 'function', function: { name: 'get_weather' } }];
    const answer = await chat({ tools }, 'gemini-3-pro-preview');
    const message = (answer as { body: ChatCompletion & Json }).body.choices[0].message;
    expect(message.tool_calls[0].extra_content).toEqual({ google: { thought_signature: 'CiQB0e2Kb8Rk' } });
    const results = message.tool_calls.map((c: Json) => ({
      role: 'tool',
      tool_call_id: c.id,
      content: 'sun',
    }));
    await chat(
      { tools, messages: [{ role: 'user', content: 'Paris and Tokyo?' }, message, ...results] },
      'gemini-3-pro-preview',
    );
    const calls = (sent[1]!.body.contents[1] as Json).parts.filter((part: Json) => part.functionCall);
    expect(calls.map((part: Json) => part.thoughtSignature)).toEqual(['CiQB0e2Kb8Rk', undefined]);
  });

  it('uses the aiplatform.googleapis.com host for the global location, and a baseUrl instead when set', async () => {
    const global = await setup(() => Response.json(geminiText), { location: 'global' });
    await global.chat({}, 'gemini-2.5-flash');
    expect(global.sent[0]!.url).toBe(
      'https://aiplatform.googleapis.com/v1/projects/acme-prod/locations/global/publishers/google/models/gemini-2.5-flash:generateContent',
    );
    const proxied = await setup(() => Response.json(geminiText), { baseUrl: 'https://proxy.test/vertex/' });
    await proxied.chat({}, 'gemini-2.5-flash');
    expect(proxied.sent[0]!.url).toBe(
      'https://proxy.test/vertex/v1/projects/acme-prod/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent',
    );
  });

  it('exchanges the key once for many calls', async () => {
    const { sent, tokenCalls, chat } = await setup(() => Response.json(geminiText));
    await chat({}, 'gemini-2.5-flash');
    await chat({}, CLAUDE).catch(() => {}); // the other publisher, same token
    await chat({}, 'gemini-2.5-pro');
    expect(tokenCalls).toHaveLength(1);
    expect(sent.map((s) => s.headers.get('authorization'))).toEqual(Array(3).fill('Bearer ya29.token-1'));
  });

  it("makes Vertex's 401 an auth failure and its 429 a rate limit with the RetryInfo delay", async () => {
    const unauthenticated = {
      error: {
        code: 401,
        message: 'Request had invalid authentication credentials.',
        status: 'UNAUTHENTICATED',
      },
    };
    const denied = await setup(() => Response.json(unauthenticated, { status: 401 }));
    const error = await rejection(denied.chat({}, 'gemini-2.5-flash'));
    expect(error.failure).toBe('auth');
    expect(error.status).toBe(401);
    expect(error.message).toBe('vertex answered HTTP 401 (UNAUTHENTICATED).');

    const limited = await setup(() => Response.json(googleErrors.rate_limit, { status: 429 }));
    expect((await rejection(limited.chat({}, 'gemini-2.5-flash'))).failure).toBe('rate_limit');
  });

  it("passes a caller's 400 through in Google's words", async () => {
    const { chat } = await setup(() => Response.json(googleErrors.invalid, { status: 400 }));
    const error = await rejection(chat({}, 'gemini-2.5-flash'));
    expect(error.failure).toBe('caller');
    expect(error.message).toBe('* GenerateContentRequest.contents: contents is not specified');
  });
});

describe('vertex: Claude models', () => {
  it('posts to the anthropic publisher :rawPredict with anthropic_version in the body and no model', async () => {
    const { sent, chat } = await setup(() => Response.json(anthropicMessage), { defaultMaxTokens: 1000 });
    const answer = await chat({ temperature: 0.5 }, CLAUDE);
    const body = (answer as { body: ChatCompletion & Json }).body;
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.model).toBe(CLAUDE);
    expect(body.choices[0].message.content).toBe('Bonjour ! Comment ça va ?');
    expect(body.usage).toMatchObject({ prompt_tokens: 171, completion_tokens: 12 });
    expect(sent[0]!.url).toBe(`${REGIONAL}/anthropic/models/claude-sonnet-4-5@20250929:rawPredict`);
    expect(sent[0]!.headers.get('authorization')).toBe('Bearer ya29.token-1');
    expect(sent[0]!.headers.get('x-api-key')).toBeNull();
    expect(sent[0]!.headers.get('anthropic-version')).toBeNull();
    expect(sent[0]!.body).toEqual({
      anthropic_version: 'vertex-2023-10-16',
      max_tokens: 1000,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      temperature: 0.5,
    });
  });

  it('streams through :streamRawPredict, translated', async () => {
    const { sent, chat } = await setup(() => stream(anthropicStream));
    const answer = await chat({ stream: true }, CLAUDE);
    const { text, summary } = await relayed((answer as { body: ReadableStream<Uint8Array> }).body);
    expect(sent[0]!.url).toBe(`${REGIONAL}/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict`);
    expect(sent[0]!.body).toMatchObject({ anthropic_version: 'vertex-2023-10-16', stream: true });
    expect(sent[0]!.body.model).toBeUndefined();
    expect(streamedContent(text)).toBe('Héllo wörld 🌍 — 日本語!');
    expect(summary.completed).toBe(true);
    expect(summary.usage).toMatchObject({ completion_tokens: 15 });
  });

  it('sends the anthropic-beta header the request and the config ask for', async () => {
    const { sent, adapter, signal } = await setup(() => Response.json(anthropicMessage), {
      headers: { 'anthropic-beta': 'context-1m-2025-08-07' },
    });
    await adapter.chat({
      body: chatRequest.parse({ model: 'v', messages: [{ role: 'user', content: 'Hi' }] }),
      model: CLAUDE,
      signal,
      requestId: 'r',
      betas: ['interleaved-thinking-2025-05-14'],
    });
    expect(sent[0]!.headers.get('anthropic-beta')).toBe(
      'context-1m-2025-08-07,interleaved-thinking-2025-05-14',
    );
  });

  it("sends Vertex only the betas it takes (Claude Code's first-party ones would fail the request)", async () => {
    const { sent, adapter, signal } = await setup(() => Response.json(anthropicMessage), {
      headers: { 'anthropic-beta': 'configured-beta-2026-01-01' },
    });
    await adapter.chat({
      body: chatRequest.parse({ model: 'v', messages: [{ role: 'user', content: 'Hi' }] }),
      model: CLAUDE,
      signal,
      requestId: 'r',
      betas: [
        'claude-code-20250219',
        'interleaved-thinking-2025-05-14',
        'fine-grained-tool-streaming-2025-05-14',
      ],
    });
    // The operator's own betas go as configured.
    expect(sent[0]!.headers.get('anthropic-beta')).toBe(
      'configured-beta-2026-01-01,interleaved-thinking-2025-05-14',
    );
  });

  it("reads Anthropic's error shape (overloaded) and Vertex's own (a model not enabled)", async () => {
    const overloaded = await setup(() =>
      Response.json(
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        { status: 529 },
      ),
    );
    const error = await rejection(overloaded.chat({}, CLAUDE));
    expect(error.failure).toBe('overloaded');
    expect(error.retryable).toBe(true);

    const notFound = await setup(() =>
      Response.json(
        {
          error: {
            code: 404,
            message:
              'Publisher Model `projects/acme-prod/locations/us-east5/publishers/anthropic/models/claude-nope` not found.',
            status: 'NOT_FOUND',
          },
        },
        { status: 404 },
      ),
    );
    const missing = await rejection(notFound.chat({}, 'claude-nope'));
    expect(missing.failure).toBe('caller');
    expect(missing.status).toBe(404);
    expect(missing.message).toContain('not found');
  });
});

describe('vertex: credentials and config', () => {
  it('sends a static accessToken as it is, with no exchange', async () => {
    const { sent, tokenCalls, chat } = await setup(() => Response.json(geminiText), {
      serviceAccount: undefined,
      accessToken: 'ya29.static',
    });
    await chat({}, 'gemini-2.5-flash');
    expect(sent[0]!.headers.get('authorization')).toBe('Bearer ya29.static');
    expect(tokenCalls).toHaveLength(0);
  });

  it('fails a call as a config error naming an unset Worker secret', async () => {
    const { sent, chat } = await setup(() => Response.json(geminiText), {
      serviceAccount: 'env:GCP_SA_KEY_UNSET',
    });
    const error = await rejection(chat({}, 'gemini-2.5-flash'));
    expect(error.failure).toBe('config');
    expect(error.message).toBe(
      "Provider 'vertex' has no credentials: set the Worker secret GCP_SA_KEY_UNSET.",
    );
    expect(sent).toHaveLength(0);
  });

  it('fails a call as an auth failure when the token endpoint refuses the key, without calling Vertex', async () => {
    const account = await serviceAccount();
    const sent: string[] = [];
    const fetch = (async (input: RequestInfo | URL) => {
      const url = new Request(input).url;
      sent.push(url);
      return url === TOKEN_URI
        ? Response.json(
            { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
            { status: 400 },
          )
        : Response.json(geminiText);
    }) as typeof globalThis.fetch;
    const config = vertexProviderSchema.parse({
      type: 'vertex',
      project: 'acme-prod',
      location: 'global',
      serviceAccount: account.json,
    });
    const adapter = createProvider('vertex', config, { env, fetch });
    const error = await rejection(
      adapter.chat({
        body: chatRequest.parse({ model: 'v', messages: [{ role: 'user', content: 'Hi' }] }),
        model: 'gemini-2.5-flash',
        signal: new AbortController().signal,
        requestId: 'r',
      }),
    );
    expect(error.failure).toBe('auth');
    expect(error.message).toContain('could not get a Google access token');
    expect(sent).toEqual([TOKEN_URI]);
  });

  it.each([
    [{ serviceAccount: undefined }, 'serviceAccount'],
    [{ accessToken: 'ya29.x' }, 'serviceAccount'],
    [{ location: 'evil.example/x' }, 'location'],
    [{ project: 'a/b' }, 'project'],
  ])('refuses a config with %o', (change, path) => {
    const result = vertexProviderSchema.safeParse({
      type: 'vertex',
      project: 'acme-prod',
      location: 'us-east5',
      serviceAccount: 'env:GCP_SA_KEY',
      ...change,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([path]);
  });
});

/** A :predict answer: one prediction per instance, each `[n, 1]` for an instance whose content is `n`. */
const predictions = (instances: { content: string }[], counted = true) => ({
  predictions: instances.map(({ content }) => ({
    embeddings: {
      values: [Number(content) || 3, 4],
      ...(counted ? { statistics: { truncated: false, token_count: 2 } } : {}),
    },
  })),
  metadata: { billableCharacterCount: 10 },
});

const embed = (adapter: ProviderAdapter, body: Record<string, unknown>, model: string) =>
  adapter.embeddings({
    body: embeddingsRequest.parse({ model: 'e', ...body }),
    model,
    signal: new AbortController().signal,
    requestId: 'r',
  });

const decode = (b64: string) =>
  Array.from(new Float32Array(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer));

describe('vertex: embeddings', () => {
  it('posts the inputs to the publisher model :predict and answers in the OpenAI shape, with the counted tokens', async () => {
    const { adapter, sent } = await setup(async (request) =>
      Response.json(predictions(((await request.json()) as Json).instances)),
    );
    const result = parsed(
      await embed(
        adapter,
        { input: ['1', '2'], taskType: 'RETRIEVAL_DOCUMENT', title: 'Doc', autoTruncate: false, user: 'u' },
        'text-embedding-005',
      ),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe(`${REGIONAL}/google/models/text-embedding-005:predict`);
    expect(sent[0]!.headers.get('authorization')).toBe('Bearer ya29.token-1');
    expect(sent[0]!.body).toEqual({
      instances: [
        { content: '1', task_type: 'RETRIEVAL_DOCUMENT', title: 'Doc' },
        { content: '2', task_type: 'RETRIEVAL_DOCUMENT', title: 'Doc' },
      ],
      parameters: { autoTruncate: false },
    });
    expect(result).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [1, 4] },
        { object: 'embedding', index: 1, embedding: [2, 4] },
      ],
      model: 'text-embedding-005',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
    expectOpenAIShape('CreateEmbeddingResponse', result);
  });

  it('maps dimensions to outputDimensionality, normalises the vectors and encodes base64 as float32', async () => {
    const { adapter, sent } = await setup(async (request) =>
      Response.json(predictions(((await request.json()) as Json).instances)),
    );
    const result = parsed(
      await embed(
        adapter,
        { input: 'hello', dimensions: 2, encoding_format: 'base64' },
        'gemini-embedding-001',
      ),
    );
    expect(sent[0]!.body).toEqual({
      instances: [{ content: 'hello' }],
      parameters: { outputDimensionality: 2 },
    });
    expect(decode(result.data[0]!.embedding as string)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });

  it('sends a Gemini embedding model one input per request, 4 at a time, joined in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const { adapter, sent } = await setup(async (request) => {
      const { instances } = (await request.json()) as Json;
      inFlight++;
      most = Math.max(most, inFlight);
      // Answered out of order in time.
      await new Promise((resolve) => setTimeout(resolve, Number(instances[0].content) % 3));
      inFlight--;
      return Response.json(predictions(instances));
    });
    const input = Array.from({ length: 10 }, (_, i) => String(i + 1));
    const result = parsed(await embed(adapter, { input }, 'gemini-embedding-001'));
    expect(sent.map((call) => call.body.instances.length)).toEqual(Array(10).fill(1));
    expect(most).toBe(4);
    expect(result.data.map((d) => (d.embedding as number[])[0])).toEqual(input.map(Number));
    expect(result.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
    expect(result.usage).toEqual({ prompt_tokens: 20, total_tokens: 20 });
  });

  it('batches text-embedding models by 250 inputs and by the 20,000-token limit of a request', async () => {
    const { adapter, sent } = await setup(async (request) =>
      Response.json(predictions(((await request.json()) as Json).instances)),
    );
    const short = Array.from({ length: 600 }, (_, i) => String(i + 1));
    const shortResult = parsed(await embed(adapter, { input: short }, 'text-embedding-005'));
    expect(sent.map((call) => call.body.instances.length)).toEqual([250, 250, 100]);
    expect(shortResult.data.map((d) => (d.embedding as number[])[0])).toEqual(short.map(Number));

    // 9,000 bytes are estimated at 3,000 tokens: 6 to a request (18,000), never 7 (21,000).
    sent.length = 0;
    const long = Array.from({ length: 14 }, (_, i) => `${i + 1}`.padEnd(9_000, ' '));
    const longResult = parsed(await embed(adapter, { input: long }, 'text-multilingual-embedding-002'));
    expect(sent.map((call) => call.body.instances.length)).toEqual([6, 6, 2]);
    expect(longResult.data.map((d) => (d.embedding as number[])[0])).toEqual(long.map((_, i) => i + 1));
    // Multi-byte text weighs its UTF-8 bytes: 2,500 three-byte characters are 2,500 tokens.
    sent.length = 0;
    await embed(adapter, { input: Array(10).fill('語'.repeat(2_500)) }, 'text-multilingual-embedding-002');
    expect(sent.map((call) => call.body.instances.length)).toEqual([8, 2]);
    // Digits tokenize one by one: 4,000 of them are 4,000 tokens, 5 to a request (not 15 at 3 bytes).
    sent.length = 0;
    await embed(adapter, { input: Array(10).fill('0'.repeat(4_000)) }, 'text-embedding-005');
    expect(sent.map((call) => call.body.instances.length)).toEqual([5, 5]);
  });

  it('leaves usage to the route when Vertex reports no token count', async () => {
    const { adapter } = await setup(async (request) =>
      Response.json(predictions(((await request.json()) as Json).instances, false)),
    );
    expect(parsed(await embed(adapter, { input: ['1'] }, 'text-embedding-005')).usage).toBeUndefined();
  });

  it('refuses token arrays, a native field the translation sets, and Claude models (so a route can move on)', async () => {
    const { adapter, sent } = await setup(() => Response.json({}));
    await expect(embed(adapter, { input: [1, 2, 3] }, 'text-embedding-005')).rejects.toMatchObject({
      status: 400,
      param: 'input',
    });
    await expect(
      embed(adapter, { input: 'x', outputDimensionality: 2 }, 'text-embedding-005'),
    ).rejects.toMatchObject({ status: 400, param: 'outputDimensionality' });
    await expect(
      embed(
        adapter,
        { input: 'x', taskType: 'CLUSTERING', task_type: 'CLASSIFICATION' },
        'text-embedding-005',
      ),
    ).rejects.toMatchObject({ status: 400, param: 'task_type' });
    // Unsupported, so a route's next target is tried.
    await expect(embed(adapter, { input: 'x' }, CLAUDE)).rejects.toMatchObject({
      name: 'Unsupported',
      status: 400,
      param: 'model',
    });
    expect(sent).toEqual([]);
    expect(adapter.chatOnly).toBeFalsy();
    expect(adapter.chatOnlyModel?.(CLAUDE)).toBe(true);
    expect(adapter.chatOnlyModel?.('text-embedding-005')).toBe(false);
  });

  it("passes Vertex's errors through in Google's words, and fails an answer missing vectors", async () => {
    const notFound = await setup(() => Response.json(googleErrors.not_found, { status: 404 }));
    const error = await rejection(embed(notFound.adapter, { input: 'x' }, 'gemini-2.5-flash'));
    expect(error.failure).toBe('caller');
    expect(error.status).toBe(404);
    const short = await setup(() => Response.json({ predictions: [] }));
    const missing = await rejection(embed(short.adapter, { input: ['1', '2'] }, 'text-embedding-005'));
    expect(missing.failure).toBe('server');
  });
});

describe('vertex pricing', () => {
  it("prices claude-…@date as Anthropic's model, with the regional premium from 4.5 outside global", () => {
    const target = (model: string) => ({ provider: 'vertex', model });
    const anthropic = priceOf(target('claude-sonnet-4-5'), 'anthropic', {});
    expect(priceOf(target(CLAUDE), 'vertex', {})).toEqual(anthropic);
    const regional = priceOf(target(CLAUDE), 'vertex', {}, true);
    expect(regional.inputPerMTok).toBeCloseTo(anthropic.inputPerMTok * 1.1);
    expect(regional.outputPerMTok).toBeCloseTo(anthropic.outputPerMTok * 1.1);
    // Before 4.5: one price everywhere.
    expect(priceOf(target('claude-sonnet-4@20250514'), 'vertex', {}, true)).toEqual(
      priceOf(target('claude-sonnet-4'), 'anthropic', {}),
    );
    expect(priceOf(target('gemini-2.5-flash'), 'vertex', {}, true)).toEqual(
      priceOf(target('gemini-2.5-flash'), 'gemini', {}),
    );
  });

  it("prices Google's embedding models, not as unknown models", () => {
    const target = (model: string) => ({ provider: 'vertex', model });
    expect(priceOf(target('gemini-embedding-001'), 'vertex', {}, true)).toMatchObject({ inputPerMTok: 0.15 });
    for (const model of ['text-embedding-005', 'text-multilingual-embedding-002'])
      expect(priceOf(target(model), 'vertex', {}, true)).toMatchObject({
        inputPerMTok: 0.1,
        outputPerMTok: 0,
      });
  });
});
