// Gemini SSE → OpenAI chunks: order, function calls, awkward byte boundaries, several candidates,
// blocked prompts, mid-stream errors and incremental delivery.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { chatRequest } from '../../src/openai/schemas';
import { createGemini } from '../../src/providers/gemini';
import streamBlocked from '../fixtures/gemini/stream-blocked.gemini.sse?raw';
import streamText from '../fixtures/gemini/stream-text.gemini.sse?raw';
import streamTools from '../fixtures/gemini/stream-tools.gemini.sse?raw';
import type { Json } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';

function bytes(text: string, size = Number.POSITIVE_INFINITY): ReadableStream<Uint8Array> {
  const all = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= all.length) return controller.close();
      controller.enqueue(all.slice(at, at + size));
      at += size;
    },
  });
}

async function start(upstream: ReadableStream<Uint8Array>, body: Record<string, unknown> = {}) {
  const urls: string[] = [];
  const fetch = (async (input: RequestInfo | URL) => {
    urls.push(String(input));
    return new Response(upstream, { headers: { 'content-type': 'text/event-stream' } });
  }) as typeof globalThis.fetch;
  const adapter = createGemini('gemini', { type: 'gemini', apiKey: 'k' }, { env, fetch });
  const result = await adapter.chat({
    body: chatRequest.parse({
      model: 'g',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
      ...body,
    }),
    model: 'gemini-2.5-flash',
    signal: new AbortController().signal,
    requestId: 'req-s',
  });
  if (result.kind !== 'stream') throw new Error('expected a stream');
  return { stream: result.body, urls };
}

function frames(text: string): Json[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const data = frame.slice(6);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

async function translate(sse: string, size?: number, body?: Record<string, unknown>): Promise<Json[]> {
  const { stream } = await start(bytes(sse, size), body);
  const out = frames(await new Response(stream).text());
  for (const frame of out)
    if (frame !== '[DONE]' && !frame.error) expectOpenAIShape('CreateChatCompletionStreamResponse', frame);
  return out;
}

const deltas = (out: Json[], index = 0) =>
  out.filter((f) => f !== '[DONE]' && f.choices?.[0]?.index === index).map((f) => f.choices[0].delta);
const text = (out: Json[], index = 0) =>
  deltas(out, index)
    .map((d) => d.content ?? '')
    .join('');
const sseOf = (...chunks: unknown[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join('');

describe('gemini stream translation', () => {
  it('calls :streamGenerateContent?alt=sse and translates text, finish and usage', async () => {
    const { urls } = await start(bytes(streamText));
    expect(urls[0]).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    const out = await translate(streamText);
    expect(out[0].choices[0]).toEqual({
      index: 0,
      delta: { role: 'assistant', content: '' },
      logprobs: null,
      finish_reason: null,
    });
    expect(deltas(out).slice(1, 4)).toEqual([
      { content: 'Héllo' },
      { content: ' wörld 🌍' },
      { content: ' — 日本語!' },
    ]);
    expect(out.at(-3).choices[0].finish_reason).toBe('stop');
    expect(out.at(-2)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 8,
        completion_tokens: 12,
        total_tokens: 20,
        prompt_tokens_details: { cached_tokens: 4 },
      },
    });
    expect(out.at(-1)).toBe('[DONE]');
  });

  it.each([1, 2, 3, 7, 50])(
    'gives the same chunks when the upstream bytes are cut every %i bytes',
    async (size) => {
      const strip = (out: Json[]) => out.map((f) => (f === '[DONE]' ? f : { ...f, created: 0 }));
      expect(strip(await translate(streamText, size))).toEqual(strip(await translate(streamText)));
    },
  );

  it('streams function calls as tool-call deltas, each signature on the delta starting its call, and skips thought parts', async () => {
    const out = await translate(streamTools, 9);
    expect(text(out)).toBe('Let me check.');
    const calls = deltas(out)
      .filter((d) => d.tool_calls)
      .map((d) => d.tool_calls[0]);
    expect(calls).toEqual([
      {
        index: 0,
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: 'get_weather', arguments: '' },
        extra_content: { google: { thought_signature: 'CiQB0e2Kb8' } },
      },
      { index: 0, function: { arguments: '{"location":"San Francisco, CA"}' } },
      {
        index: 1,
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: 'get_time', arguments: '' },
      },
      { index: 1, function: { arguments: '{"tz":"America/Los_Angeles"}' } },
    ]);
    expect(out.at(-3).choices[0].finish_reason).toBe('tool_calls');
    expect(out.at(-2).usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 28 });
  });

  it('keeps one choice per candidate index', async () => {
    const sse = sseOf(
      {
        candidates: [
          { index: 0, content: { parts: [{ text: 'A' }] } },
          { index: 1, content: { parts: [{ text: 'B' }] } },
        ],
      },
      {
        candidates: [
          { index: 1, content: { parts: [{ text: 'b' }] }, finishReason: 'STOP' },
          { index: 0, content: { parts: [{ text: 'a' }] }, finishReason: 'SAFETY' },
        ],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4 },
      },
    );
    const out = await translate(sse, undefined, { n: 2 });
    expect([text(out, 0), text(out, 1)]).toEqual(['Aa', 'Bb']);
    const finishes = out
      .filter((f) => f !== '[DONE]' && f.choices?.[0]?.finish_reason)
      .map((f) => f.choices[0]);
    expect(finishes.map((c) => [c.index, c.finish_reason])).toEqual([
      [1, 'stop'],
      [0, 'content_filter'],
    ]);
  });

  it('ends a stream without a finishReason with its usage and an error event, no finish', async () => {
    const [first] = streamText.split('\r\n\r\n');
    const out = await translate(`${first}\r\n\r\n`);
    expect(text(out)).toBe('Héllo');
    expect(out.some((f) => f !== '[DONE]' && f.choices?.[0]?.finish_reason)).toBe(false);
    expect(out.at(-3).usage).toMatchObject({ prompt_tokens: 8 });
    expect(out.at(-2).error).toMatchObject({ code: 'upstream_error' });
  });

  it('fails the attempt when the model could not form its tool call, and ends a started stream with an error', async () => {
    const broken = {
      candidates: [
        { index: 0, content: { role: 'model', parts: [] }, finishReason: 'MALFORMED_FUNCTION_CALL' },
      ],
    };
    // First event: nothing written yet, so the attempt fails (the router retries or fails over).
    await expect(translate(sseOf(broken))).rejects.toMatchObject({
      name: 'UpstreamError',
      failure: 'server',
      message: 'gemini could not form a valid answer (MALFORMED_FUNCTION_CALL).',
    });
    // After some text: an error event, never a finish.
    const started = { candidates: [{ index: 0, content: { role: 'model', parts: [{ text: 'Let me' }] } }] };
    const out = await translate(sseOf(started, broken));
    expect(text(out)).toBe('Let me');
    expect(out.some((f) => f !== '[DONE]' && f.choices?.[0]?.finish_reason)).toBe(false);
    expect(out.at(-2).error.message).toContain('MALFORMED_FUNCTION_CALL');
  });

  it('fails the attempt with content_filter when the prompt is blocked before any output', async () => {
    const { stream } = await start(bytes(streamBlocked));
    await expect(stream.getReader().read()).rejects.toMatchObject({
      failure: 'caller',
      status: 400,
      options: { code: 'content_filter' },
    });
  });

  it('turns a mid-stream error into an OpenAI error event', async () => {
    const sse = sseOf(
      { candidates: [{ index: 0, content: { parts: [{ text: 'Start' }] } }] },
      { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } },
    );
    const out = await translate(sse);
    expect(text(out)).toBe('Start');
    expect(out.find((f) => f !== '[DONE]' && f.error)).toEqual({
      error: {
        message: 'gemini answered HTTP 503 (UNAVAILABLE).',
        type: 'api_error',
        param: null,
        code: 'UNAVAILABLE',
      },
    });
    expect(out.some((f) => f !== '[DONE]' && f.choices?.[0]?.finish_reason)).toBe(false);
    expect(out.at(-1)).toBe('[DONE]');
  });

  it('fails the attempt on an error after a first chunk of thoughts alone (nothing said yet)', async () => {
    const sse = sseOf(
      { candidates: [{ index: 0, content: { role: 'model', parts: [{ text: 'Hmm…', thought: true }] } }] },
      { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } },
    );
    const { stream } = await start(bytes(sse));
    await expect(stream.getReader().read()).rejects.toMatchObject({ failure: 'overloaded', status: 503 });
  });

  it('sends the first token before the upstream stream has ended', async () => {
    let push!: (text: string) => void;
    const upstream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(new TextEncoder().encode(text));
      },
    });
    const { stream } = await start(upstream);
    const reader = stream.getReader();
    push(streamText.split('\r\n\r\n')[0]!);
    push('\r\n\r\n');
    let seen = '';
    while (!seen.includes('Héllo')) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      seen += new TextDecoder().decode(value);
    }
    expect(seen).not.toContain('finish_reason":"stop');
    await reader.cancel();
  });
});
