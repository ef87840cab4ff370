// Gemini through the whole Worker: chat, stream, safety blocks, error statuses, embeddings, and
// the official OpenAI SDK parsing translated answers.
import { exports } from 'cloudflare:workers';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import embed from '../fixtures/gemini/embed.json';
import errors from '../fixtures/gemini/errors.json';
import text from '../fixtures/gemini/generate-text.json';
import tools from '../fixtures/gemini/generate-tools.json';
import blocked from '../fixtures/gemini/prompt-blocked.json';
import streamText from '../fixtures/gemini/stream-text.gemini.sse?raw';
import streamTools from '../fixtures/gemini/stream-tools.gemini.sse?raw';
import { chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';

const GEMINI_URL = 'https://gemini.test/v1beta';
const MODEL_URL = `${GEMINI_URL}/models/gemini-2.5-flash`;

async function setup(config: Record<string, unknown> = {}) {
  const response = await putConfig({
    providers: { gemini: { type: 'gemini', baseUrl: GEMINI_URL, apiKey: 'AIza-secret' } },
    models: {
      flash: { targets: [{ provider: 'gemini', model: 'gemini-2.5-flash' }] },
      embed: { targets: [{ provider: 'gemini', model: 'gemini-embedding-001' }] },
    },
    retry: { attempts: 0 },
    ...config,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  const { key } = await createKey();
  const client = new OpenAI({
    apiKey: key,
    baseURL: 'https://gateway.test/v1',
    fetch: (url, init) => exports.default.fetch(new Request(url, init)),
    maxRetries: 0,
  });
  return { key, client };
}

const hello = [{ role: 'user', content: 'Hello' }];
const signed = (signature: string) => ({ google: { thought_signature: signature } });

describe('gemini through the gateway', () => {
  it('serves a translated completion with the provider key and usage', async () => {
    const { key } = await setup();
    onUpstream(`${MODEL_URL}:generateContent`, () => json(text));
    const response = await chat(key, { model: 'flash', messages: hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('gemini');
    const body: Json = await response.json();
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices[0].message.content).toBe('Bonjour ! Comment ça va ?');
    expect(body.usage).toMatchObject({ prompt_tokens: 120, completion_tokens: 19 });
    expect(recorded[0]!.headers.get('x-goog-api-key')).toBe('AIza-secret');
  });

  it('relays a translated stream with a final usage chunk when asked for', async () => {
    const { key } = await setup();
    onUpstream(`${MODEL_URL}:streamGenerateContent`, () => sse([streamText]));
    const response = await chat(key, {
      model: 'gemini/gemini-2.5-flash',
      stream: true,
      stream_options: { include_usage: true },
      messages: hello,
    });
    const body = await response.text();
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseEvents(body) as Json[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.at(-1).usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 12, total_tokens: 20 });
  });

  it('answers 400 content_filter when Gemini blocks the prompt, streamed or not', async () => {
    const { key } = await setup();
    onUpstream(`${MODEL_URL}:generateContent`, () => json(blocked));
    onUpstream(`${MODEL_URL}:streamGenerateContent`, () => sse([`data: ${JSON.stringify(blocked)}\r\n\r\n`]));
    for (const stream of [false, true]) {
      const response = await chat(key, { model: 'flash', messages: hello, stream });
      expect(response.status).toBe(400);
      expect(((await response.json()) as Json).error).toMatchObject({
        type: 'invalid_request_error',
        code: 'content_filter',
        message: 'gemini blocked the prompt (SAFETY).',
      });
    }
  });

  it('answers 400 context_length_exceeded, 429 for a quota, and 502 for a bad key or overload', async () => {
    const { key } = await setup();
    // A factory: a Response body must be created in the request that reads it.
    let answer = () => json(errors.too_long, 400);
    onUpstream(`${MODEL_URL}:generateContent`, () => answer());
    const tooLong = await chat(key, { model: 'flash', messages: hello });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as Json).error.code).toBe('context_length_exceeded');
    for (const [name, status, expected] of [
      ['api_key_invalid', 400, 502],
      ['rate_limit', 429, 429],
      ['overloaded', 503, 502],
    ] as const) {
      answer = () => json(errors[name], status);
      const response = await chat(key, { model: 'flash', messages: hello });
      expect(response.status).toBe(expected);
      expect(((await response.json()) as Json).error.message).not.toContain(errors[name].error.message);
    }
  });

  it('is parsed by the official OpenAI SDK, tool-call deltas included, and maps the results back', async () => {
    const { client } = await setup();
    onUpstream(`${MODEL_URL}:streamGenerateContent`, () => sse([streamTools]));
    onUpstream(`${MODEL_URL}:generateContent`, () => json(text));
    const final = await client.chat.completions
      .stream({
        model: 'flash',
        messages: [{ role: 'user', content: 'Weather and time in SF?' }],
        tools: [
          { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
          { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
        ],
        stream_options: { include_usage: true },
      })
      .finalChatCompletion();
    const message = final.choices[0]!.message;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(message.content).toBe('Let me check.');
    const calls = (message.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [c] : []));
    expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['get_weather', { location: 'San Francisco, CA' }],
      ['get_time', { tz: 'America/Los_Angeles' }],
    ]);
    // The SDK keeps the first call's thought signature, so the message goes back with it.
    expect(calls.map((c) => (c as Json).extra_content)).toEqual([signed('CiQB0e2Kb8'), undefined]);
    expect(final.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 28 });

    const answer = await client.chat.completions.create({
      model: 'flash',
      messages: [
        { role: 'user', content: 'Weather and time in SF?' },
        message,
        { role: 'tool', tool_call_id: calls[1]!.id, content: '{"time":"09:00"}' },
        { role: 'tool', tool_call_id: calls[0]!.id, content: 'Foggy, 14°C' },
      ],
    });
    expect(answer.choices[0]!.message.content).toBe('Bonjour ! Comment ça va ?');
    const sent = recorded.at(-1)!.body as Json;
    // Each call with the signature it came with: Gemini's own, not the placeholder.
    expect(sent.contents[1].parts.slice(1)).toEqual([
      {
        functionCall: { id: calls[0]!.id, name: 'get_weather', args: { location: 'San Francisco, CA' } },
        thoughtSignature: 'CiQB0e2Kb8',
      },
      { functionCall: { id: calls[1]!.id, name: 'get_time', args: { tz: 'America/Los_Angeles' } } },
    ]);
    expect(sent.contents[2]).toEqual({
      role: 'user',
      // Back in the order of the calls, each with its call's id.
      parts: [
        { functionResponse: { id: calls[0]!.id, name: 'get_weather', response: { output: 'Foggy, 14°C' } } },
        { functionResponse: { id: calls[1]!.id, name: 'get_time', response: { time: '09:00' } } },
      ],
    });
  });

  it("keeps each call's thought signature in the exact cache: a hit replays it, as JSON and streamed", async () => {
    const { key } = await setup({ cache: { exact: { enabled: true }, toolCalls: true } });
    onUpstream(`${MODEL_URL}:streamGenerateContent`, () => sse([streamTools]));
    onUpstream(`${MODEL_URL}:generateContent`, () => json(tools));
    const ask = (content: string, stream: boolean) => ({
      model: 'flash',
      messages: [{ role: 'user', content }],
      tools: [{ type: 'function', function: { name: 'get_weather' } }],
      ...(stream ? { stream: true } : {}),
    });
    /** Each call's extra_content, from a JSON answer or the deltas that start the calls of a stream. */
    async function extras(response: Response): Promise<unknown[]> {
      expect(response.status).toBe(200);
      if (!response.headers.get('content-type')?.includes('text/event-stream')) {
        const body: Json = await response.json();
        return body.choices[0].message.tool_calls.map((c: Json) => c.extra_content);
      }
      const events = sseEvents(await response.text()) as Json[];
      return events
        .flatMap((e) => e.choices?.[0]?.delta?.tool_calls ?? [])
        .filter((c: Json) => c.id)
        .map((c: Json) => c.extra_content);
    }
    for (const [question, signature, missStreamed] of [
      ['Paris and Tokyo?', 'CiQB0e2Kb8Rk', false],
      ['Weather and time in SF?', 'CiQB0e2Kb8', true],
    ] as const) {
      const miss = await chat(key, ask(question, missStreamed));
      expect(miss.headers.get('x-tollgate-cache')).toBe('miss');
      expect(await extras(miss)).toEqual([signed(signature), undefined]);
      for (const stream of [false, true]) {
        const hit = await chat(key, ask(question, stream));
        expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
        expect(await extras(hit)).toEqual([signed(signature), undefined]);
      }
    }
    expect(recorded).toHaveLength(2);
  });

  it('serves embeddings to the OpenAI SDK, which asks for base64 by default', async () => {
    const { client } = await setup();
    onUpstream(`${GEMINI_URL}/models/gemini-embedding-001:batchEmbedContents`, () => json(embed));
    const result = await client.embeddings.create({ model: 'embed', input: ['one', 'two'] });
    expect(result.data.map((d) => d.embedding.map((v) => Math.round(v * 100) / 100))).toEqual([
      [0.6, 0.8, 0],
      [3, 0, 4],
    ]);
    expect(recorded[0]!.body).toMatchObject({ requests: [{ content: { parts: [{ text: 'one' }] } }, {}] });
  });
});
