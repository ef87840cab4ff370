import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ChatRequest, EmbeddingsRequest } from '../../src/openai/schemas';
import {
  AZURE_DEFAULT_API_VERSION,
  type AzureOpenAIProviderConfig,
  azureOpenAIProviderSchema,
  createAzureOpenAI,
} from '../../src/providers/azure-openai';
import { UpstreamError } from '../../src/providers/types';
import completion from '../fixtures/azure-openai/completion.json';
import embeddings from '../fixtures/azure-openai/embeddings.json';
import streamFixture from '../fixtures/azure-openai/stream.azure.sse?raw';
import { rejection } from '../helpers/chat-result';
import { chat, createKey, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import { json, onUpstream, recorded } from '../helpers/upstream';

const CONFIG: AzureOpenAIProviderConfig = {
  type: 'azure-openai',
  resourceName: 'contoso',
  apiKey: 'azure-key-1',
};

function adapter(respond: () => Response, config: Partial<AzureOpenAIProviderConfig> = {}) {
  const requests: Request[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push(new Request(input, init));
    return respond();
  };
  const azure = createAzureOpenAI('azure', { ...CONFIG, ...config } as AzureOpenAIProviderConfig, {
    env,
    fetch: fetch as typeof globalThis.fetch,
  });
  const signal = new AbortController().signal;
  const run = (body: Partial<ChatRequest>, model = 'gpt4o-prod') =>
    azure.chat({
      body: { model: 'alias', messages: [{ role: 'user', content: 'hi' }], ...body } as ChatRequest,
      model,
      signal,
      requestId: 'r1',
    });
  const embed = (body: Partial<EmbeddingsRequest>) =>
    azure.embeddings({
      body: { model: 'alias', input: 'hello', ...body } as EmbeddingsRequest,
      model: 'embed-small',
      signal,
      requestId: 'r1',
    });
  return { requests, run, embed };
}

describe('azure-openai adapter', () => {
  it('calls the deployment URL with api-version and the api-key header, forwarding the body untouched', async () => {
    const { requests, run } = adapter(() => json(completion));
    const body: Partial<ChatRequest> = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
        { role: 'assistant', content: 'A cat.' },
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      tool_choice: 'auto',
      response_format: { type: 'json_object' },
      logprobs: true,
      n: 2,
      data_sources: [{ type: 'azure_search' }],
    };
    const result = await run(body);
    const request = requests[0]!;
    expect(request.url).toBe(
      `https://contoso.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=${AZURE_DEFAULT_API_VERSION}`,
    );
    expect(request.headers.get('api-key')).toBe('azure-key-1');
    expect(request.headers.get('authorization')).toBeNull();
    expect(await request.json()).toEqual({ model: 'gpt4o-prod', ...body });
    expect(result.kind).toBe('json');
    if (result.kind !== 'json') return;
    expect(result.body).toEqual(completion);
    expectOpenAIShape('CreateChatCompletionResponse', result.body);
  });

  it('uses baseUrl, a pinned api-version and extra headers', async () => {
    const { requests, run } = adapter(() => json(completion), {
      resourceName: undefined,
      baseUrl: 'https://contoso.cognitiveservices.azure.com/',
      apiVersion: '2025-04-01-preview',
      headers: { 'x-ms-client-request-id': 'abc' },
    });
    await run({}, 'my deployment');
    expect(requests[0]!.url).toBe(
      'https://contoso.cognitiveservices.azure.com/openai/deployments/my%20deployment/chat/completions?api-version=2025-04-01-preview',
    );
    expect(requests[0]!.headers.get('x-ms-client-request-id')).toBe('abc');
  });

  it('keeps a query string of the endpoint (an API Management subscription key) apart from the path', async () => {
    const { requests, run } = adapter(() => json(completion), {
      resourceName: undefined,
      baseUrl: 'https://apim.example/aoai?subscription-key=abc',
    });
    await run({}, 'dep');
    const url = new URL(requests[0]!.url);
    expect(url.pathname).toBe('/aoai/openai/deployments/dep/chat/completions');
    expect(url.searchParams.get('subscription-key')).toBe('abc');
    expect(url.searchParams.get('api-version')).toBeTruthy();
  });

  it('speaks the version-less v1 API with the deployment as model', async () => {
    const { requests, run } = adapter(() => json(completion), { apiVersion: 'v1' });
    await run({});
    expect(requests[0]!.url).toBe('https://contoso.openai.azure.com/openai/v1/chat/completions');
    expect(((await requests[0]!.json()) as { model: string }).model).toBe('gpt4o-prod');
  });

  it('asks for usage on streams and relays the stream as it comes', async () => {
    const { requests, run } = adapter(
      () => new Response(streamFixture, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } }),
    );
    const result = await run({ stream: true });
    expect(((await requests[0]!.json()) as ChatRequest).stream_options).toEqual({ include_usage: true });
    if (result.kind !== 'stream') throw new Error('expected a stream');
    expect(await new Response(result.body).text()).toBe(streamFixture);
  });

  it('calls the embeddings deployment', async () => {
    const { requests, embed } = adapter(() => json(embeddings));
    const result = await embed({ dimensions: 3 });
    expect(requests[0]!.url).toBe(
      `https://contoso.openai.azure.com/openai/deployments/embed-small/embeddings?api-version=${AZURE_DEFAULT_API_VERSION}`,
    );
    expect(await requests[0]!.json()).toEqual({ model: 'embed-small', input: 'hello', dimensions: 3 });
    expect(result).toEqual(embeddings);
    expectOpenAIShape('CreateEmbeddingResponse', result);
  });

  it('classifies errors: auth, rate limit with retry-after, content filter, missing deployment, overload', async () => {
    const cases: [Response, Record<string, unknown>][] = [
      [
        json({ error: { code: '401', message: 'Access denied due to invalid subscription key' } }, 401),
        { failure: 'auth' },
      ],
      [
        json({ error: { code: '429', message: 'Rate limit is exceeded.' } }, 429, { 'retry-after': '7' }),
        { failure: 'rate_limit', options: expect.objectContaining({ retryAfterMs: 7000 }) },
      ],
      [
        json(
          { error: { code: 'content_filter', message: 'The response was filtered', param: 'prompt' } },
          400,
        ),
        {
          failure: 'caller',
          message: 'The response was filtered',
          options: expect.objectContaining({ code: 'content_filter' }),
        },
      ],
      [
        json(
          {
            error: {
              code: 'context_length_exceeded',
              message: "This model's maximum context length is 128000 tokens.",
            },
          },
          400,
        ),
        { failure: 'caller', options: expect.objectContaining({ code: 'context_length_exceeded' }) },
      ],
      [
        json({ error: { code: 'DeploymentNotFound', message: 'The API deployment does not exist.' } }, 404),
        { failure: 'caller', status: 404 },
      ],
      [json({ error: { message: 'busy' } }, 503), { failure: 'overloaded' }],
      [json({ error: { message: 'boom' } }, 500), { failure: 'server' }],
    ];
    for (const [response, expected] of cases) {
      const { run } = adapter(() => response.clone());
      const error = await rejection(run({}));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject(expected);
    }
  });

  it('fails as a config error when the key secret is unset, without calling Azure', async () => {
    const { requests, run, embed } = adapter(() => json(completion), { apiKey: 'env:AZURE_KEY_NOT_SET' });
    for (const call of [run({}), embed({})]) {
      const error = await rejection(call);
      expect(error).toMatchObject({
        failure: 'config',
        message: expect.stringContaining('AZURE_KEY_NOT_SET'),
      });
    }
    expect(requests).toHaveLength(0);
  });

  it('needs exactly one of resourceName and baseUrl', () => {
    expect(azureOpenAIProviderSchema.safeParse({ type: 'azure-openai', apiKey: 'k' }).success).toBe(false);
    expect(
      azureOpenAIProviderSchema.safeParse({
        type: 'azure-openai',
        apiKey: 'k',
        resourceName: 'a',
        baseUrl: 'https://a.openai.azure.com',
      }).success,
    ).toBe(false);
    expect(azureOpenAIProviderSchema.safeParse({ ...CONFIG, apiVersion: 'latest' }).success).toBe(false);
  });
});

describe('azure-openai through the gateway', () => {
  const BASE = 'https://contoso.upstream.test';
  async function setup() {
    const put = await putConfig({
      providers: { azure: { type: 'azure-openai', baseUrl: BASE, apiKey: 'azure-key-1' } },
      models: { gpt: { targets: [{ provider: 'azure', model: 'gpt4o-prod' }] } },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    return (await createKey()).key;
  }

  it('serves a completion from the deployment', async () => {
    const key = await setup();
    onUpstream(`${BASE}/openai/deployments/gpt4o-prod/chat/completions?api-version=`, () => json(completion));
    const response = await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(completion);
    expect(recorded[0]!.headers.get('api-key')).toBe('azure-key-1');
  });

  it('relays a stream split mid-character and closes one that lacks [DONE]', async () => {
    const key = await setup();
    const bytes = new TextEncoder().encode(streamFixture.replace('data: [DONE]\n\n', ''));
    onUpstream(`${BASE}/openai/`, () => {
      let at = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(at, at + 7)); // cuts "ü" and "✓" in half
          at += 7;
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const response = await chat(key, {
      model: 'gpt',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = sseEvents(text) as { choices: { delta: { content?: string } }[]; usage?: unknown }[];
    expect(events.map((e) => e.choices[0]?.delta.content ?? '').join('')).toBe('Grüße aus Zürich ✓');
    expect(events.at(-1)!.usage).toEqual({ completion_tokens: 5, prompt_tokens: 9, total_tokens: 14 });
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});
