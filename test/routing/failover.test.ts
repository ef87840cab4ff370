// Routing end to end through the Worker: upstreams are fake OpenAI-compatible base URLs.
import { describe, expect, it } from 'vitest';
import { call, chat, createKey, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const URLS = { a: 'https://a.test/v1', b: 'https://b.test/v1', c: 'https://c.test/v1' };
const providers = Object.fromEntries(
  Object.entries(URLS).map(([name, baseUrl]) => [name, { type: 'openai', baseUrl, apiKey: `sk-${name}` }]),
);
const chain = (...names: (keyof typeof URLS)[]) => ({
  targets: names.map((name) => ({ provider: name, model: `${name}-model` })),
});

async function gateway(config: Record<string, unknown>): Promise<string> {
  const response = await putConfig({ providers, retry: { attempts: 0 }, ...config });
  expect(response.status).toBe(200);
  return (await createKey()).key;
}

const completion = (content: string) =>
  json({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'upstream',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  });

const chunk = (content: string) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'upstream',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  })}\n\n`;

/** An SSE response that sends `frames`, then breaks the connection. */
function breakingStream(frames: string[]): Response {
  const encoder = new TextEncoder();
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < frames.length) controller.enqueue(encoder.encode(frames[index++]));
      else controller.error(new Error('connection reset'));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

const hosts = () => recorded.map((r) => new URL(r.url).host);
const hello = { messages: [{ role: 'user', content: 'hello' }] };

describe('failover through the Worker', () => {
  it('falls back in order and reports what served', async () => {
    const key = await gateway({ models: { m: chain('a', 'b', 'c') } });
    onUpstream(URLS.a, () => json({ error: { message: 'down' } }, 503));
    onUpstream(URLS.b, () => json({ error: { message: 'bad gateway' } }, 502));
    onUpstream(URLS.c, () => completion('from c'));
    const response = await chat(key, { model: 'm', ...hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('c');
    expect(response.headers.get('x-tollgate-model')).toBe('c-model');
    expect(response.headers.get('x-tollgate-attempts')).toBe('3');
    expect(hosts()).toEqual(['a.test', 'b.test', 'c.test']);
    expect(
      ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message
        .content,
    ).toBe('from c');
  });

  it("retries the same target after the provider's retry-after", async () => {
    const key = await gateway({ models: { m: chain('a', 'b') }, retry: { attempts: 2 } });
    let calls = 0;
    onUpstream(URLS.a, () =>
      ++calls === 1
        ? json({ error: { message: 'slow down' } }, 429, { 'retry-after-ms': '20' })
        : completion('ok'),
    );
    const response = await chat(key, { model: 'm', ...hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-attempts')).toBe('2');
    expect(hosts()).toEqual(['a.test', 'a.test']);
  });

  it('passes a provider 400 through without retrying or failing over', async () => {
    const key = await gateway({ models: { m: chain('a', 'b') }, retry: { attempts: 3 } });
    onUpstream(URLS.a, () =>
      json(
        {
          error: {
            message: 'bad temperature',
            type: 'invalid_request_error',
            param: 'temperature',
            code: null,
          },
        },
        400,
      ),
    );
    const response = await chat(key, { model: 'm', ...hello });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe('bad temperature');
    expect(response.headers.get('x-tollgate-attempts')).toBe('1');
    expect(hosts()).toEqual(['a.test']);
  });

  it('names the target whose 400 it passes through, after failing over to it', async () => {
    const key = await gateway({ models: { m: chain('a', 'b') }, retry: { attempts: 0 } });
    onUpstream(URLS.a, () => json({ error: { message: 'down', type: 'server_error' } }, 500));
    onUpstream(URLS.b, () =>
      json(
        { error: { message: 'bad temperature', type: 'invalid_request_error', param: 'temperature' } },
        400,
      ),
    );
    const response = await chat(key, { model: 'm', ...hello });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-tollgate-attempts')).toBe('2');
    expect(response.headers.get('x-tollgate-provider')).toBe('b');
    expect(response.headers.get('x-tollgate-model')).toBe('b-model');
  });

  it('completes a 3-target chain via the third when the first two time out, within the budget', async () => {
    const key = await gateway({
      models: { m: chain('a', 'b', 'c') },
      timeouts: { requestMs: 100, totalMs: 2_000 },
    });
    const never = () => new Promise<Response>(() => {});
    onUpstream(URLS.a, never);
    onUpstream(URLS.b, never);
    onUpstream(URLS.c, () => completion('from c'));
    const started = Date.now();
    const response = await chat(key, { model: 'm', ...hello });
    const elapsed = Date.now() - started;
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('c');
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('answers 504 upstream_timeout when every target times out', async () => {
    const key = await gateway({ models: { m: chain('a', 'b') }, timeouts: { requestMs: 100 } });
    onUpstream(URLS.a, () => new Promise<Response>(() => {}));
    onUpstream(URLS.b, () => new Promise<Response>(() => {}));
    const response = await chat(key, { model: 'm', ...hello });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
  });

  it('skips a target whose circuit opened, and fails over to the next at once', async () => {
    const key = await gateway({
      models: { m: chain('a', 'b') },
      circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
    });
    onUpstream(URLS.a, () => json({ error: { message: 'down' } }, 500));
    onUpstream(URLS.b, () => completion('from b'));
    for (let i = 0; i < 2; i++) expect((await chat(key, { model: 'm', ...hello })).status).toBe(200);
    expect(hosts()).toEqual(['a.test', 'b.test', 'a.test', 'b.test']);
    const response = await chat(key, { model: 'm', ...hello });
    expect(response.headers.get('x-tollgate-attempts')).toBe('1');
    expect(hosts().slice(4)).toEqual(['b.test']);
  });

  it('routes by the x-tollgate-metadata header and by estimated input tokens', async () => {
    const key = await gateway({
      models: {
        m: {
          strategy: 'conditional',
          rules: [
            { when: { inputTokens: { gt: 1_000 } }, targets: [{ provider: 'c', model: 'long' }] },
            { when: { metadata: { feature: 'search' } }, targets: [{ provider: 'b', model: 'search' }] },
          ],
          targets: [{ provider: 'a', model: 'default' }],
        },
      },
    });
    for (const url of Object.values(URLS)) onUpstream(url, () => completion('ok'));
    const served = async (body: object, headers: Record<string, string> = {}) =>
      (await chat(key, { model: 'm', ...body }, headers)).headers.get('x-tollgate-model');
    expect(await served(hello)).toBe('default');
    expect(await served(hello, { 'x-tollgate-metadata': '{"feature":"search","user":"u1"}' })).toBe('search');
    const long = { messages: [{ role: 'user', content: 'word '.repeat(2_000) }] };
    expect(await served(long, { 'x-tollgate-metadata': '{"feature":"search"}' })).toBe('long');
  });

  it('fails over embeddings too', async () => {
    const key = await gateway({ models: { e: chain('a', 'b') } });
    onUpstream(URLS.a, () => json({ error: { message: 'down' } }, 500));
    onUpstream(URLS.b, () =>
      json({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1] }],
        model: 'b',
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    );
    const response = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'e', input: 'hi' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('b');
    expect(hosts()).toEqual(['a.test', 'b.test']);
  });
});

describe('targets that cannot serve the request', () => {
  const ANTHROPIC_URL = 'https://anthropic.test/v1';
  const withClaude = {
    ...providers,
    claude: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant' },
    co: { type: 'cohere', baseUrl: 'https://cohere.test', apiKey: 'co-test' },
  };
  const route = (...targets: [string, string][]) => ({
    m: { targets: targets.map(([provider, model]) => ({ provider, model })) },
  });

  it('passes a parameter Anthropic cannot honour (n: 2) over to the next target, without calling Anthropic', async () => {
    const key = await gateway({
      providers: withClaude,
      models: route(['claude', 'claude-x'], ['a', 'a-model']),
    });
    onUpstream(URLS.a, () => completion('from a'));
    const response = await chat(key, { model: 'm', ...hello, n: 2 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('a');
    expect(response.headers.get('x-tollgate-attempts')).toBe('1');
    expect(hosts()).toEqual(['a.test']);
  });

  it('answers the first refusal, a 400 naming the parameter, when no target can honour it', async () => {
    const key = await gateway({
      providers: withClaude,
      models: route(['claude', 'claude-x'], ['co', 'command-a']),
    });
    const response = await chat(key, { model: 'm', ...hello, logprobs: true });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'logprobs' });
    expect(String(error.message)).toContain('Anthropic');
    expect(recorded).toHaveLength(0);
  });

  it('lists the target that could not honour it when the rest fail', async () => {
    const key = await gateway({
      providers: withClaude,
      models: route(['claude', 'claude-x'], ['a', 'a-model']),
    });
    onUpstream(URLS.a, () => json({ error: { message: 'down' } }, 503));
    const response = await chat(key, { model: 'm', ...hello, n: 2 });
    expect(response.status).toBe(502);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toContain('claude/claude-x: skipped, cannot serve this request (');
    expect(error.message).toContain('a/a-model: overloaded (HTTP 503)');
  });
});

describe('streams and failover', () => {
  it('moves to the next target when a stream fails before its first byte, which then serves the whole stream', async () => {
    const key = await gateway({ models: { m: chain('a', 'b') } });
    onUpstream(URLS.a, () => breakingStream([]));
    onUpstream(URLS.b, () => sse([chunk('Hel'), chunk('lo'), 'data: [DONE]\n\n']));
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('b');
    expect(response.headers.get('x-tollgate-attempts')).toBe('2');
    const text = await response.text();
    expect(text).toBe(`${chunk('Hel')}${chunk('lo')}data: [DONE]\n\n`);
    expect(hosts()).toEqual(['a.test', 'b.test']);
  });

  it('never retries once the stream has started: it ends with an OpenAI error event', async () => {
    const key = await gateway({ models: { m: chain('a', 'b') }, retry: { attempts: 3 } });
    onUpstream(URLS.a, () => breakingStream([chunk('Hel')]));
    onUpstream(URLS.b, () => sse([chunk('never'), 'data: [DONE]\n\n']));
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('a');
    const events = (await response.text()).split('\n\n').filter(Boolean);
    expect(events[0]).toBe(chunk('Hel').trim());
    expect(events).toHaveLength(2);
    const error = JSON.parse(events[1]!.slice('data: '.length)) as { error: { type: string; code: string } };
    expect(error.error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
    expect(hosts()).toEqual(['a.test']);
  });

  it('counts a stream that breaks after its first event as a failure of its provider: the circuit opens', async () => {
    const key = await gateway({
      models: { m: chain('a', 'b') },
      circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
    });
    onUpstream(URLS.a, () => breakingStream([chunk('Hel')]));
    onUpstream(URLS.b, () => sse([chunk('from b'), 'data: [DONE]\n\n']));
    for (let i = 0; i < 2; i++) {
      const response = await chat(key, { model: 'm', stream: true, ...hello });
      expect(response.headers.get('x-tollgate-provider')).toBe('a');
      expect(await response.text()).toContain('upstream_error');
    }
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(response.headers.get('x-tollgate-provider')).toBe('b');
    expect(response.headers.get('x-tollgate-attempts')).toBe('1');
    expect(hosts()).toEqual(['a.test', 'a.test', 'b.test']);
  });

  it('judges a stream healthy only once it has finished', async () => {
    const key = await gateway({
      models: { m: chain('a', 'b') },
      circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
    });
    let healthy = false;
    onUpstream(URLS.a, () =>
      healthy
        ? sse([chunk('Hel'), chunk('lo'), 'data: [DONE]\n\n'])
        : json({ error: { message: 'down' } }, 500),
    );
    onUpstream(URLS.b, () => completion('from b'));
    expect((await chat(key, { model: 'm', ...hello })).headers.get('x-tollgate-provider')).toBe('b');
    healthy = true;
    const stream = await chat(key, { model: 'm', stream: true, ...hello });
    expect(await stream.text()).toContain('[DONE]');
    // The finished stream cleared the first failure: one more does not open the circuit.
    healthy = false;
    expect((await chat(key, { model: 'm', ...hello })).headers.get('x-tollgate-provider')).toBe('b');
    expect((await chat(key, { model: 'm', ...hello })).headers.get('x-tollgate-attempts')).toBe('2');
    expect(hosts()).toEqual(['a.test', 'b.test', 'a.test', 'a.test', 'b.test', 'a.test', 'b.test']);
  });

  it('ends a started stream at a provider error event with our generic event, not the provider’s words', async () => {
    const key = await gateway({ models: { m: chain('a', 'b') }, retry: { attempts: 3 } });
    const leak = 'upstream pod gpu-7.us-east.internal failed for org-4411 (key sk-live-abc)';
    onUpstream(URLS.a, () =>
      sse([
        chunk('Hel'),
        `data: ${JSON.stringify({ error: { message: leak, type: 'server_error', code: 'internal_error' } })}\n\n`,
        chunk('after the error'),
        'data: [DONE]\n\n',
      ]),
    );
    onUpstream(URLS.b, () => sse([chunk('never'), 'data: [DONE]\n\n']));
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const secret of ['gpu-7', 'org-4411', 'sk-live', 'internal_error', 'after the error', '[DONE]'])
      expect(text).not.toContain(secret);
    const events = text.split('\n\n').filter(Boolean);
    expect(events).toEqual([
      chunk('Hel').trim(),
      `data: ${JSON.stringify({
        error: {
          message: 'The upstream provider failed in the middle of the stream.',
          type: 'api_error',
          param: null,
          code: 'upstream_error',
        },
      })}`,
    ]);
    expect(hosts()).toEqual(['a.test']);
  });

  it('lets a committed stream outlast requestMs while its events keep coming', async () => {
    const key = await gateway({ models: { m: chain('a') }, timeouts: { requestMs: 100, firstByteMs: 100 } });
    const frames = ['a', 'b', 'c', 'd', 'e'].map(chunk);
    onUpstream(URLS.a, () => {
      const encoder = new TextEncoder();
      let index = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (index > 0) await new Promise((resolve) => setTimeout(resolve, 60));
          const frame = [...frames, 'data: [DONE]\n\n'][index++];
          if (frame === undefined) controller.close();
          else controller.enqueue(encoder.encode(frame));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const started = Date.now();
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(await response.text()).toBe(`${frames.join('')}data: [DONE]\n\n`);
    expect(Date.now() - started).toBeGreaterThan(100);
  });

  it('ends a stream that stalls after its first event at timeouts.streamIdleMs, without failing over', async () => {
    const key = await gateway({ models: { m: chain('a', 'b') }, timeouts: { streamIdleMs: 200 } });
    let cancelled = false;
    onUpstream(URLS.a, () => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return new Promise<void>(() => {});
          sent = true;
          controller.enqueue(new TextEncoder().encode(chunk('Hel')));
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    onUpstream(URLS.b, () => sse([chunk('never'), 'data: [DONE]\n\n']));
    const started = Date.now();
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter(Boolean);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(events[0]).toBe(chunk('Hel').trim());
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[1]!.slice('data: '.length))).toEqual({
      error: {
        message: 'The upstream provider sent nothing for 200 ms in the middle of the stream.',
        type: 'timeout_error',
        param: null,
        code: 'stream_idle_timeout',
      },
    });
    expect(cancelled).toBe(true);
    expect(hosts()).toEqual(['a.test']);
  });

  it('ends a stream still running at timeouts.streamMaxMs, even while its events keep coming', async () => {
    const key = await gateway({ models: { m: chain('a') }, timeouts: { streamMaxMs: 1_000 } });
    let cancelled = false;
    onUpstream(URLS.a, () => {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent > 0) await new Promise((resolve) => setTimeout(resolve, 50));
          controller.enqueue(new TextEncoder().encode(chunk(`w${sent++} `)));
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const started = Date.now();
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter(Boolean);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(events.length).toBeGreaterThan(5);
    expect(JSON.parse(events.at(-1)!.slice('data: '.length)).error).toMatchObject({
      type: 'timeout_error',
      code: 'stream_time_limit',
    });
    expect(cancelled).toBe(true);
    const id = response.headers.get('x-tollgate-request-id') ?? '';
    const row = (await waitForRows([id], 8000, 'id')).get(id);
    // Charged as a hang-up: the input estimate plus one token per relayed event.
    expect(row).toMatchObject({ status: 200, stream: true, errorCode: 'stream_time_limit' });
    expect(row?.outputTokens).toBe(events.length - 1);
  });

  it('fails over when the first byte does not arrive in time', async () => {
    const key = await gateway({
      models: { m: chain('a', 'b') },
      timeouts: { requestMs: 10_000, firstByteMs: 100 },
    });
    onUpstream(
      URLS.a,
      () => new Response(new ReadableStream(), { headers: { 'content-type': 'text/event-stream' } }),
    );
    onUpstream(URLS.b, () => sse([chunk('fine'), 'data: [DONE]\n\n']));
    const started = Date.now();
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(await response.text()).toContain('fine');
    expect(response.headers.get('x-tollgate-provider')).toBe('b');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('applies the first-byte timeout until a whole event has arrived, not just a byte', async () => {
    const key = await gateway({
      models: { m: chain('a') },
      timeouts: { requestMs: 10_000, firstByteMs: 200 },
    });
    // A provider dripping its stream a byte at a time (test/load/faults.mjs: "slow drip").
    onUpstream(URLS.a, () => {
      const text = new TextEncoder().encode(chunk('slow'));
      let at = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (at > 0) await new Promise((resolve) => setTimeout(resolve, 50));
          if (at < text.length) controller.enqueue(text.slice(at, ++at));
          else controller.close();
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const started = Date.now();
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails over when a 200 stream opens with an error, never relaying the provider’s words', async () => {
    const key = await gateway({ models: { m: chain('a', 'b') } });
    onUpstream(URLS.a, () =>
      sse(['data: {"error":{"message":"overloaded, see sk-internal","type":"server_error"}}\n\n']),
    );
    onUpstream(URLS.b, () => sse([chunk('fine'), 'data: [DONE]\n\n']));
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('b');
    expect(await response.text()).toBe(`${chunk('fine')}data: [DONE]\n\n`);
  });

  it('answers 502 when the only target sends a 200 stream without any event', async () => {
    const key = await gateway({ models: { m: chain('a') } });
    onUpstream(
      URLS.a,
      () =>
        new Response('<html><body>502 Bad Gateway</body></html>\n', {
          headers: { 'content-type': 'text/event-stream' },
        }),
    );
    const response = await chat(key, { model: 'm', stream: true, ...hello });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_error');
    expect(body.error.message).not.toContain('html');
  });
});
