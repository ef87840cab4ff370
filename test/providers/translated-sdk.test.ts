// The official SDKs' answer-assembling helpers over each translating adapter (Anthropic, Gemini,
// Bedrock Converse, Cohere): they parse, accumulate and validate what the gateway made of the
// provider's wire format, so a small shape difference breaks them where a plain create would not.

import { exports } from 'cloudflare:workers';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { zodFunction, zodResponseFormat } from 'openai/helpers/zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createKey, putConfig } from '../helpers/gateway';
import { geminiWire, type ProviderWire, TRANSLATED_WIRES, type WireAnswer } from '../helpers/provider-wire';
import { onUpstream } from '../helpers/upstream';

const viaWorker = (url: RequestInfo | URL, init?: RequestInit) =>
  exports.default.fetch(new Request(url, init));

/** `m` routed to `wire`'s provider; its answers (or whole responses) in turn, and the bodies each call sent. */
async function setup(wire: ProviderWire, answers: (WireAnswer | (() => Response))[]) {
  const put = await putConfig({
    providers: { up: wire.provider },
    models: { m: { targets: [{ provider: 'up', model: wire.model }] } },
    retry: { attempts: 0 },
  });
  expect(put.status, await put.clone().text()).toBe(200);
  const { key } = await createKey();
  const sent: Record<string, unknown>[] = [];
  onUpstream(wire.prefix, async (request) => {
    const body = (await request.json()) as Record<string, unknown>;
    sent.push(body);
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected call ${sent.length} to ${wire.name}`);
    return typeof answer === 'function' ? answer() : wire.answer(answer, wire.streams(request.url, body));
  });
  const openai = new OpenAI({
    apiKey: key,
    baseURL: 'https://gateway.test/v1',
    maxRetries: 0,
    fetch: viaWorker,
  });
  const anthropic = new Anthropic({
    apiKey: key,
    baseURL: 'https://gateway.test',
    maxRetries: 0,
    fetch: viaWorker,
  });
  return { openai, anthropic, sent };
}

const Person = z.object({ name: z.string(), age: z.number() });
const weather = { id: 'call_w1', name: 'weather', args: { city: 'Paris' } };
const user = (content: string) => [{ role: 'user' as const, content }];

describe.each(TRANSLATED_WIRES)('the openai SDK over $name', (wire) => {
  it('chat.completions.parse: zodResponseFormat, and a streamed strict zodFunction call parsed at its end', async () => {
    const { openai } = await setup(wire, [{ text: '{"name":"Ann","age":3}' }, { tool: weather }]);
    const parsed = await openai.chat.completions.parse({
      model: 'm',
      messages: user('Who?'),
      response_format: zodResponseFormat(Person, 'person'),
    });
    expect(parsed.choices[0]!.message.parsed).toEqual({ name: 'Ann', age: 3 });

    const stream = openai.chat.completions.stream({
      model: 'm',
      messages: user('Weather?'),
      tools: [zodFunction({ name: 'weather', parameters: z.object({ city: z.string() }) })],
      stream_options: { include_usage: true },
    });
    const done: unknown[] = [];
    stream.on('tool_calls.function.arguments.done', (event) => done.push(event.parsed_arguments));
    const final = await stream.finalChatCompletion();
    expect(done).toEqual([{ city: 'Paris' }]);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.tool_calls![0]!.function.parsed_arguments).toEqual({ city: 'Paris' });
    expect(final.usage?.total_tokens).toBe(15);
  });

  it('chat.completions.runTools: calls the tool, sends its result back, and ends on the answer', async () => {
    const { openai, sent } = await setup(wire, [{ tool: weather }, { text: 'Sunny in Paris.' }]);
    const runner = openai.chat.completions.runTools({
      model: 'm',
      stream: true,
      messages: user('Weather?'),
      tools: [
        zodFunction({
          name: 'weather',
          parameters: z.object({ city: z.string() }),
          function: ({ city }) => `sunny in ${city}`,
        }),
      ],
    });
    let text = '';
    runner.on('content', (delta) => {
      text += delta;
    });
    expect(await runner.finalContent()).toBe('Sunny in Paris.');
    expect(text).toBe('Sunny in Paris.');
    expect(sent).toHaveLength(2);
    expect(JSON.stringify(sent[1])).toContain('sunny in Paris');
  });

  it('responses: output_text, and a function call from responses.stream().finalResponse()', async () => {
    const { openai } = await setup(wire, [{ text: 'Hello.' }, { tool: weather }]);
    expect((await openai.responses.create({ model: 'm', input: 'Hi' })).output_text).toBe('Hello.');
    const stream = openai.responses.stream({
      model: 'm',
      input: 'Weather?',
      tools: [{ type: 'function', name: 'weather', parameters: { type: 'object' }, strict: false }],
    });
    const argumentsDone: string[] = [];
    stream.on('response.function_call_arguments.done', (event) => argumentsDone.push(event.arguments));
    const final = await stream.finalResponse();
    const call = final.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'weather', status: 'completed' });
    expect(argumentsDone.map((args) => JSON.parse(args))).toEqual([{ city: 'Paris' }]);
    expect(final.status).toBe('completed');
  });

  it("raises RateLimitError with the provider's wait and BadRequestError with its message, streamed or not", async () => {
    const refused = () => wire.refused('messages: something is wrong.');
    const { openai } = await setup(wire, [wire.rateLimited, refused, wire.rateLimited, refused]);
    for (const stream of [false, true]) {
      const limited = await openai.chat.completions
        .create({ model: 'm', messages: user('x'), stream })
        .catch((e) => e);
      expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
      expect(limited.headers.get('retry-after')).toBe('17');
      const bad = await openai.chat.completions
        .create({ model: 'm', messages: user('x'), stream })
        .catch((e) => e);
      expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
      expect(bad.error).toMatchObject({
        type: 'invalid_request_error',
        message: 'messages: something is wrong.',
      });
    }
  });
});

describe('the @anthropic-ai/sdk on /v1/messages over gemini', () => {
  it('messages.stream().finalMessage() with a tool_use, and messages.countTokens', async () => {
    const { anthropic } = await setup(geminiWire, [{ tool: weather }]);
    const stream = anthropic.messages.stream({
      model: 'm',
      max_tokens: 100,
      messages: user('Weather?'),
      tools: [
        { name: 'weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      ],
    });
    const blocks: unknown[] = [];
    stream.on('contentBlock', (block) => blocks.push(block));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      { type: 'tool_use', id: expect.any(String), name: 'weather', input: { city: 'Paris' } },
    ]);
    expect(blocks).toEqual(final.content);
    expect(final.usage).toMatchObject({ input_tokens: 10, output_tokens: 5 });
    const counted = await anthropic.messages.countTokens({ model: 'm', messages: user('Hello there') });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });
});
