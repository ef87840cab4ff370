// Anthropic through the whole Worker: routing, relay, error statuses, failover, and the official
// OpenAI SDK parsing a translated stream.
import { exports } from 'cloudflare:workers';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import errors from '../fixtures/anthropic/errors.json';
import textMessage from '../fixtures/anthropic/message-text.json';
import streamText from '../fixtures/anthropic/stream-text.anthropic.sse?raw';
import streamTools from '../fixtures/anthropic/stream-tools.anthropic.sse?raw';
import { chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const ANTHROPIC_URL = 'https://anthropic.test';
const MESSAGES = `${ANTHROPIC_URL}/v1/messages`;

async function setup(retry = { attempts: 0 }) {
  const config = {
    providers: {
      anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' },
      mock: { type: 'mock' },
    },
    models: {
      claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
      'claude-or-mock': {
        targets: [
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
    },
    retry,
  };
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

const hello = [{ role: 'user', content: 'Hello' }];

describe('anthropic through the gateway', () => {
  it('serves a translated completion with the provider key and usage', async () => {
    const key = await setup();
    onUpstream(MESSAGES, () => json(textMessage));
    const response = await chat(key, { model: 'claude', messages: hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('anthropic');
    const body: Json = await response.json();
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices[0].message.content).toBe('Bonjour ! Comment ça va ?');
    expect(body.usage).toMatchObject({ prompt_tokens: 171, completion_tokens: 12, total_tokens: 183 });
    expect(recorded[0]!.headers.get('x-api-key')).toBe('sk-ant-secret');
    expect(recorded[0]!.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 4096 });
  });

  it('relays a translated stream, with the usage chunk only when asked for', async () => {
    const key = await setup();
    onUpstream(MESSAGES, () => sse([streamText]));
    const withUsage = await chat(key, {
      model: 'anthropic/claude-sonnet-4-5',
      stream: true,
      stream_options: { include_usage: true },
      messages: hello,
    });
    expect(withUsage.headers.get('content-type')).toContain('text/event-stream');
    const text = await withUsage.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseEvents(text) as Json[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.at(-1).usage).toMatchObject({ prompt_tokens: 65, completion_tokens: 15 });

    const without = sseEvents(
      await (await chat(key, { model: 'claude', stream: true, messages: hello })).text(),
    );
    expect(without.some((e) => (e as Json).usage)).toBe(false);
    expect((without.at(-1) as Json).choices[0].finish_reason).toBe('stop');
  });

  it('answers 400 context_length_exceeded for a prompt that is too long', async () => {
    const key = await setup();
    onUpstream(MESSAGES, () => json(errors.prompt_too_long, 400));
    const response = await chat(key, { model: 'claude', messages: hello });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: 'prompt is too long: 208326 tokens > 200000 maximum',
        type: 'invalid_request_error',
        param: null,
        code: 'context_length_exceeded',
      },
    });
  });

  it('answers 502 (overloaded, bad key) or 429 (rate limited) without the upstream words', async () => {
    const key = await setup();
    // One handler (the first registered answers): a factory, so each case answers its own.
    let answer = () => json(errors.overloaded, 529);
    onUpstream(MESSAGES, () => answer());
    for (const [name, status, expected, code] of [
      ['overloaded', 529, 502, 'upstream_error'],
      ['authentication', 401, 502, 'upstream_error'],
      ['rate_limit', 429, 429, 'rate_limit_exceeded'],
    ] as const) {
      answer = () => json(errors[name], status);
      const response = await chat(key, { model: 'claude', messages: hello });
      expect(response.status).toBe(expected);
      const body: Json = await response.json();
      expect(body.error.code).toBe(code);
      expect(body.error.message).not.toContain(errors[name].error.message);
    }
  });

  it('fails over when the stream opens with an overloaded error event', async () => {
    const key = await setup();
    onUpstream(MESSAGES, () =>
      sse([
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ]),
    );
    const response = await chat(key, { model: 'claude-or-mock', stream: true, messages: hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    expect(await response.text()).toContain('Mock');
  });

  it('charges an answer an error cut short by the text it relayed, not the one token message_start counted', async () => {
    const key = await setup();
    const event = (data: Record<string, unknown>) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
    onUpstream(MESSAGES, () =>
      sse([
        event({ type: 'message_start', message: { id: 'm', usage: { input_tokens: 10, output_tokens: 1 } } }),
        event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
        event({
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: 'word '.repeat(800) },
        }),
        event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ]),
    );
    const response = await chat(
      key,
      { model: 'claude', stream: true, messages: hello },
      { 'x-request-id': 'anthropic-cut-by-error' },
    );
    expect(await response.text()).toContain('"code":"overloaded"');
    const row = (await waitForRows(['anthropic-cut-by-error'])).get('anthropic-cut-by-error')!;
    // 4,000 characters relayed: ~1,000 tokens written (and billed), whatever message_start said.
    expect(row.outputTokens).toBe(1_000);
    expect(row.inputTokens).toBe(10); // the provider's own count of the prompt is kept
    expect(row.costUsd).toBeCloseTo((10 * 3 + 1_000 * 15) / 1e6, 12);
    expect(row.usageDetail).toEqual({ estimated: true });
  });

  it('is parsed by the official OpenAI SDK, tool-call deltas included', async () => {
    const key = await setup();
    onUpstream(MESSAGES, (_request, { body }) =>
      (body as Json).stream ? sse([streamTools]) : json(textMessage),
    );
    const client = new OpenAI({
      apiKey: key,
      baseURL: 'https://gateway.test/v1',
      fetch: (url, init) => exports.default.fetch(new Request(url, init)),
    });
    const stream = client.chat.completions.stream({
      model: 'claude',
      messages: [{ role: 'user', content: 'Weather and time in SF?' }],
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
      ],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Let me check the weather.');
    expect(
      choice.message.tool_calls?.map(
        (c) => c.type === 'function' && [c.id, c.function.name, JSON.parse(c.function.arguments)],
      ),
    ).toEqual([
      ['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather', { location: 'San Francisco, CA' }],
      ['toolu_01B2y2gK45rBnl3uOUsO8Vq7', 'get_time', { tz: 'America/Los_Angeles' }],
    ]);
    expect(final.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 });

    // The tool results go back as tool messages and come out as tool_result blocks.
    const answer = await client.chat.completions.create({
      model: 'claude',
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
      ],
      messages: [
        { role: 'user', content: 'Weather and time in SF?' },
        choice.message,
        ...(choice.message.tool_calls ?? []).map((c) => ({
          role: 'tool' as const,
          tool_call_id: c.id,
          content: 'ok',
        })),
      ],
    });
    expect(answer.choices[0]!.message.content).toBe('Bonjour ! Comment ça va ?');
    const sent = recorded.at(-1)!.body as Json;
    expect(sent.messages[1].content.map((b: Json) => b.type)).toEqual(['text', 'tool_use', 'tool_use']);
    expect(sent.messages[2].content.map((b: Json) => [b.type, b.tool_use_id])).toEqual([
      ['tool_result', 'toolu_01T1x1fJ34qAmk2tNTrN7Up6'],
      ['tool_result', 'toolu_01B2y2gK45rBnl3uOUsO8Vq7'],
    ]);
  });

  it('rejects a parameter Anthropic cannot honour with a 400 naming it, without calling upstream', async () => {
    const key = await setup();
    const response = await chat(key, { model: 'claude', messages: hello, n: 3 });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'n',
    });
    expect(recorded).toHaveLength(0);
  });
});
