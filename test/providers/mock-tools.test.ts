// The mock provider's tool calls: arguments that fit the tool's parameters schema (so SDKs that
// validate them — the OpenAI SDK's zodFunction, the AI SDK — accept the call), one id per call, a
// 400 for a tool_choice naming no tool.
import { exports } from 'cloudflare:workers';
import { Validator } from '@cfworker/json-schema';
import OpenAI from 'openai';
import { zodFunction } from 'openai/helpers/zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chat, createKey, type Json } from '../helpers/gateway';
import { sseEvents } from '../helpers/openapi';

const tool = (name: string, parameters?: Record<string, unknown>) => ({
  type: 'function',
  function: { name, ...(parameters ? { parameters } : {}) },
});

/** The arguments of every tool call in a completion, and in the same request streamed. */
async function argumentsOf(key: string, body: Record<string, unknown>) {
  const plain = (await (await chat(key, body)).json()) as Json;
  const streamed = sseEvents(await (await chat(key, { ...body, stream: true })).text()) as Json[];
  const deltas = streamed.flatMap((event) => event.choices[0]?.delta?.tool_calls ?? []);
  return {
    plain: plain.choices.map((choice: Json) => choice.message.tool_calls[0].function.arguments) as string[],
    streamed: deltas.map((delta: Json) => delta.function.arguments) as string[],
  };
}

const SCHEMAS: Record<string, Record<string, unknown>> = {
  nested: {
    type: 'object',
    properties: {
      city: { type: 'string', minLength: 2, maxLength: 5 },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer', exclusiveMinimum: 0, maximum: 14 },
      ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      below: { type: 'number', maximum: -3, multipleOf: 2 },
      at: { type: 'string', format: 'date-time' },
      day: { type: 'string', format: 'date' },
      mail: { type: 'string', format: 'email' },
      id: { type: 'string', format: 'uuid' },
      link: { type: 'string', format: 'uri' },
      tags: { type: 'array', items: { type: 'string', minLength: 40 }, minItems: 2 },
      place: {
        type: 'object',
        properties: {
          lat: { type: 'number', minimum: -90, maximum: 90 },
          label: { type: ['string', 'null'] },
        },
        required: ['lat', 'label'],
        additionalProperties: false,
      },
      pair: { type: 'array', prefixItems: [{ type: 'integer' }, { const: 'x' }], minItems: 2 },
      either: { anyOf: [{ $ref: '#/$defs/point' }, { type: 'null' }] },
    },
    required: ['city', 'unit', 'days', 'ratio', 'below', 'tags', 'place', 'pair', 'either'],
    additionalProperties: false,
    $defs: { point: { type: 'object', properties: { x: { type: 'integer', minimum: 3 } }, required: ['x'] } },
  },
  // No `type`: properties and required alone make it an object.
  untyped: { properties: { q: { type: 'string' } }, required: ['q', 'limit'] },
  merged: {
    allOf: [
      { type: 'object', properties: { a: { type: 'boolean' } }, required: ['a'] },
      { properties: { b: { type: 'integer', minimum: 5 } }, required: ['b'] },
    ],
  },
  empty: { type: 'object', properties: {}, additionalProperties: false },
};

describe('mock provider tool calls', () => {
  it('calls the tool with arguments its parameters schema accepts, the same streamed or not', async () => {
    const { key } = await createKey();
    for (const [name, parameters] of Object.entries(SCHEMAS)) {
      const body = {
        model: 'fast',
        messages: [{ role: 'user', content: 'weather in Paris' }],
        tools: [tool('other', { type: 'object' }), tool(name, parameters)],
        tool_choice: { type: 'function', function: { name } },
      };
      const { plain, streamed } = await argumentsOf(key, body);
      expect(streamed).toEqual(plain);
      const args = JSON.parse(plain[0]!);
      const result = new Validator(parameters as never, '2020-12').validate(args);
      expect(result.valid, `${name}: ${JSON.stringify(args)} ${JSON.stringify(result.errors)}`).toBe(true);
      // Deterministic: the same request, the same arguments.
      expect((await argumentsOf(key, body)).plain).toEqual(plain);
    }
  });

  it('quotes the prompt as `input` for a tool that only says it takes an object, and gives {} for one without parameters', async () => {
    const { key } = await createKey();
    const ask = async (tools: unknown[]) =>
      (
        await argumentsOf(key, {
          model: 'fast',
          messages: [{ role: 'user', content: 'weather?' }],
          tools,
          tool_choice: 'required',
        })
      ).plain[0]!;
    expect(JSON.parse(await ask([tool('weather', { type: 'object' })]))).toEqual({ input: 'weather?' });
    expect(JSON.parse(await ask([tool('now')]))).toEqual({});
  });

  it('gives every choice its own tool-call id, streamed or not', async () => {
    const { key } = await createKey();
    const body = {
      model: 'fast',
      n: 3,
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [tool('weather', { type: 'object' })],
      tool_choice: 'required',
    };
    const plain = (await (await chat(key, body)).json()) as Json;
    const ids = plain.choices.map((choice: Json) => choice.message.tool_calls[0].id);
    expect(new Set(ids).size).toBe(3);
    const events = sseEvents(await (await chat(key, { ...body, stream: true })).text()) as Json[];
    const streamed = events.flatMap((event) => event.choices[0]?.delta?.tool_calls ?? []);
    expect(new Set(streamed.map((call: Json) => call.id)).size).toBe(3);
  });

  it('answers 400 naming tool_choice when it names a function that is not in tools, as OpenAI does', async () => {
    const { key } = await createKey();
    const response = await chat(key, {
      model: 'fast',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [tool('weather', { type: 'object' })],
      tool_choice: { type: 'function', function: { name: 'forecast' } },
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as Json;
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'tool_choice' });
    expect(error.message).toContain('forecast');
  });

  // An agent loop ends when the model answers with text: under `auto` the mock always does. A forced
  // choice is obeyed on every turn, as OpenAI obeys it (the AI SDK throws its ToolChoiceViolationError
  // when a forced step comes back without the call).
  it('answers a tool result with text under auto, and calls again when a call is still forced', async () => {
    const { key } = await createKey();
    const ask = async (tool_choice: unknown) =>
      (await (
        await chat(key, {
          model: 'fast',
          messages: [
            { role: 'user', content: 'weather?' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } },
              ],
            },
            { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
          ],
          tools: [tool('weather', { type: 'object' })],
          tool_choice,
        })
      ).json()) as Json;
    const answer = (await ask('auto')).choices[0];
    expect(answer.finish_reason).toBe('stop');
    expect(answer.message).toMatchObject({ content: 'Mock reply to: weather?' });
    expect(answer.message.tool_calls).toBeUndefined();
    expect((await ask('required')).choices[0].finish_reason).toBe('tool_calls');
  });

  it("runs a zodFunction tool through the OpenAI SDK's runTools", async () => {
    const { key } = await createKey();
    const client = new OpenAI({
      apiKey: key,
      baseURL: 'https://gateway.test/v1',
      maxRetries: 0,
      fetch: (url, init) => exports.default.fetch(new Request(url, init)),
    });
    const calls: unknown[] = [];
    const weather = zodFunction({
      name: 'weather',
      parameters: z.object({
        city: z.string().min(1),
        unit: z.enum(['celsius', 'fahrenheit']),
        days: z.number().int().positive().max(14),
        when: z.iso.datetime(),
        notify: z.email().nullable(),
        stops: z.array(z.object({ name: z.string(), order: z.number().int().min(1) })),
      }),
      function: (args) => {
        calls.push(args);
        return 'sunny';
      },
    });
    // A named tool_choice: runTools calls it once and stops. Arguments its zod schema refused
    // would have gone back to the model as an error, and the function never run.
    const runner = client.chat.completions.runTools({
      model: 'fast',
      messages: [{ role: 'user', content: 'weather in Paris' }],
      tools: [weather],
      tool_choice: { type: 'function', function: { name: 'weather' } },
    });
    expect(await runner.finalFunctionToolCallResult()).toBe('sunny');
    expect(calls).toEqual([
      {
        city: 'weather in Paris',
        unit: 'celsius',
        days: 1,
        when: '1970-01-01T00:00:00Z',
        notify: 'mock@example.com',
        stops: [],
      },
    ]);
  });
});
