// response_format json_schema through Anthropic's structured outputs (output_config.format): where
// they are used instead of the JSON tool, the schemas they cannot take (left to the tool), the
// merge with output_config, and the answer, JSON and streamed.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { chatRequest } from '../../src/openai/schemas';
import { createAnthropic } from '../../src/providers/anthropic';
import { createProvider } from '../../src/providers/registry';
import type { ChatCompletion } from '../../src/providers/types';
import { vertexProviderSchema } from '../../src/providers/vertex';
import textMessage from '../fixtures/anthropic/message-text.json';
import type { Json } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';

const signal = new AbortController().signal;
const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
const closed = { ...schema, additionalProperties: false };
const jsonSchema = (s: Json = schema, strict?: boolean) => ({
  type: 'json_schema',
  json_schema: { name: 'result', schema: s, ...(strict === undefined ? {} : { strict }) },
});
const lookup = [{ type: 'function', function: { name: 'lookup' } }];

function setup(respond: () => Response = () => Response.json(textMessage)) {
  const sent: Json[] = [];
  const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    sent.push(JSON.parse(String(init?.body)));
    return respond();
  }) as typeof globalThis.fetch;
  const adapter = createAnthropic('anthropic', { type: 'anthropic', apiKey: 'k' }, { env, fetch });
  const chat = (model: string, body: Json) =>
    adapter.chat({
      body: chatRequest.parse({ model: 'c', messages: [{ role: 'user', content: 'Hi' }], ...body }),
      model,
      signal,
      requestId: 'req-o',
    });
  /** The body Anthropic got for one request. */
  const sentFor = async (model: string, body: Json) => {
    await chat(model, body);
    return sent.at(-1)!;
  };
  return { sent, chat, sentFor };
}

/** Sent through the JSON tool: offered (`auto`) where none may be forced, else forced. */
function expectJsonTool(body: Json, choice: Json = { type: 'auto' }) {
  expect(body.tools.at(-1).name).toBe('json_response');
  expect(body.tool_choice).toEqual(choice);
  expect(body.output_config?.format).toBeUndefined();
}

describe('response_format through structured outputs (output_config.format)', () => {
  it('serves json_schema natively where no tool may be forced: the models that refuse one, and thinking', async () => {
    const { sentFor } = setup();
    for (const model of ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-fable-5-1', 'claude-mythos-5']) {
      const body = await sentFor(model, { response_format: jsonSchema() });
      expect(body.output_config, model).toEqual({ format: { type: 'json_schema', schema: closed } });
      expect(body, model).not.toHaveProperty('tools');
      expect(body, model).not.toHaveProperty('tool_choice');
    }
    const thinking = { type: 'enabled', budget_tokens: 2000 };
    const sonnet = await sentFor('claude-sonnet-4-5', { thinking, response_format: jsonSchema() });
    expect(sonnet.output_config).toEqual({ format: { type: 'json_schema', schema: closed } });
    expect(sonnet).not.toHaveProperty('tools');
    // Before Claude 4.5 there are no structured outputs: the JSON tool is offered, as before.
    expectJsonTool(await sentFor('claude-sonnet-4', { thinking, response_format: jsonSchema() }));
    expectJsonTool(await sentFor('claude-opus-4-1', { thinking, response_format: jsonSchema() }));
  });

  it('where a tool may be forced, serves strict: true natively and the rest through the forced JSON tool', async () => {
    const { sentFor } = setup();
    const strict = await sentFor('claude-sonnet-4-5', { response_format: jsonSchema(schema, true) });
    expect(strict.output_config).toEqual({ format: { type: 'json_schema', schema: closed } });
    expect(strict).not.toHaveProperty('tools');
    const forced = { type: 'tool', name: 'json_response' };
    expectJsonTool(await sentFor('claude-sonnet-4-5', { response_format: jsonSchema() }), forced);
    expectJsonTool(
      await sentFor('claude-sonnet-4-5', { response_format: jsonSchema(schema, false) }),
      forced,
    );
    expectJsonTool(await sentFor('claude-sonnet-4', { response_format: jsonSchema(schema, true) }), forced);
    // json_object has no schema to constrain to (Anthropic's formats close every object): the tool.
    expectJsonTool(await sentFor('claude-opus-5-5', { response_format: { type: 'json_object' } }));
    expectJsonTool(await sentFor('claude-sonnet-4-5', { response_format: { type: 'json_object' } }), forced);
  });

  it("tells the model the format's description at the schema's root, as the JSON tool's description did", async () => {
    const { sentFor } = setup();
    const format = { type: 'json_schema', json_schema: { name: 'r', description: 'The sum', schema } };
    const body = await sentFor('claude-opus-5-5', { response_format: format });
    expect(body.output_config.format.schema).toEqual({ ...closed, description: 'The sum' });
    const own = { ...schema, description: 'Its own' };
    const kept = await sentFor('claude-opus-5-5', {
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'r', description: 'The sum', schema: own },
      },
    });
    expect(kept.output_config.format.schema.description).toBe('Its own');
  });

  it("keeps the client's tools and tool_choice beside the format; a forced tool still wins", async () => {
    const { sentFor } = setup();
    const offered = await sentFor('claude-opus-5-5', { tools: lookup, response_format: jsonSchema() });
    expect(offered.tools.map((tool: Json) => tool.name)).toEqual(['lookup']);
    expect(offered).not.toHaveProperty('tool_choice');
    expect(offered.output_config.format.type).toBe('json_schema');
    const none = await sentFor('claude-opus-5-5', {
      tools: lookup,
      tool_choice: 'none',
      response_format: jsonSchema(),
    });
    expect(none.tool_choice).toEqual({ type: 'none' });
    expect(none.tools.map((tool: Json) => tool.name)).toEqual(['lookup']);
    const required = await sentFor('claude-sonnet-4-5', {
      tools: lookup,
      tool_choice: 'required',
      response_format: jsonSchema(schema, true),
    });
    expect(required.tool_choice).toEqual({ type: 'any' });
    expect(required.tools.map((tool: Json) => tool.name)).toEqual(['lookup']);
    expect(required).not.toHaveProperty('output_config');
  });

  it("merges the format into output_config beside reasoning_effort's effort and the client's fields; the client's own format wins", async () => {
    const { sentFor } = setup();
    const format = { type: 'json_schema', schema: closed };
    const effort = await sentFor('claude-opus-4-6', {
      reasoning_effort: 'high',
      response_format: jsonSchema(),
    });
    expect(effort.output_config).toEqual({ effort: 'high', format });
    expect(effort).not.toHaveProperty('tools');
    const own = await sentFor('claude-opus-4-6', {
      output_config: { effort: 'low' },
      response_format: jsonSchema(schema, true),
    });
    expect(own.output_config).toEqual({ effort: 'low', format });
    // The client's own output_config.format (or the beta's output_format) serves response_format.
    const theirs = {
      type: 'json_schema',
      schema: { type: 'object', properties: {}, additionalProperties: false },
    };
    for (const model of ['claude-opus-5-5', 'claude-opus-4-6']) {
      const body = await sentFor(model, {
        reasoning_effort: 'medium',
        output_config: { format: theirs },
        response_format: jsonSchema(schema, true),
      });
      expect(body.output_config, model).toEqual({ format: theirs, effort: 'medium' });
      expect(body, model).not.toHaveProperty('tools');
      const beta = await sentFor(model, { output_format: theirs, response_format: { type: 'json_object' } });
      expect(beta.output_format, model).toEqual(theirs);
      expect(beta, model).not.toHaveProperty('output_config');
      expect(beta, model).not.toHaveProperty('tools');
    }
  });

  it.each([
    ['a map (additionalProperties a schema)', { type: 'object', additionalProperties: { type: 'number' } }],
    ['an object opened on purpose', { ...schema, additionalProperties: true }],
    ['any object (no properties)', { type: 'object' }],
    [
      'a recursive definition',
      {
        type: 'object',
        properties: { root: { $ref: '#/$defs/node' } },
        $defs: {
          node: {
            type: 'object',
            properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } },
          },
        },
      },
    ],
    ['a reference to the root', { type: 'object', properties: { next: { $ref: '#' } } }],
    ['an external reference', { type: 'object', properties: { a: { $ref: 'https://example.com/a.json' } } }],
    ['a missing definition', { type: 'object', properties: { a: { $ref: '#/$defs/gone' } } }],
    ['allOf', { type: 'object', properties: { a: { allOf: [{ type: 'string' }] } } }],
    ['not', { type: 'object', properties: { a: { type: 'string', not: { const: 'x' } } } }],
    ['a tuple', { type: 'object', properties: { a: { type: 'array', items: [{ type: 'string' }] } } }],
    ['any value', { type: 'object', properties: { a: {} } }],
    ['an enum of objects', { type: 'object', properties: { a: { enum: [{ b: 1 }] } } }],
    ['an empty enum', { type: 'object', properties: { a: { type: 'string', enum: [] } } }],
    ['a required property it does not define', { ...schema, required: ['answer', 'other'] }],
    [
      'more than 24 optional properties',
      {
        type: 'object',
        properties: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`p${i}`, { type: 'string' }])),
      },
    ],
    [
      'more than 16 union properties',
      {
        type: 'object',
        properties: Object.fromEntries(
          Array.from({ length: 17 }, (_, i) => [`p${i}`, { type: ['string', 'null'] }]),
        ),
        required: Array.from({ length: 17 }, (_, i) => `p${i}`),
      },
    ],
  ])('leaves %s to the offered JSON tool (Anthropic would refuse it, or close it)', async (_, refused) => {
    const { sentFor } = setup();
    const body = await sentFor('claude-opus-5-5', { response_format: jsonSchema(refused as Json) });
    expectJsonTool(body);
    expect(body.tools[0].input_schema).toEqual(refused);
  });

  it('keeps the JSON tool on Vertex AI, whose organisation policy turns structured outputs off unless allowed', async () => {
    const sent: Json[] = [];
    const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      sent.push(JSON.parse(String(init?.body)));
      return Response.json(textMessage);
    }) as typeof globalThis.fetch;
    const config = vertexProviderSchema.parse({
      type: 'vertex',
      project: 'acme-prod',
      location: 'us-east5',
      accessToken: 'ya29.token',
    });
    const adapter = createProvider('vertex', config, { env, fetch });
    for (const model of ['claude-opus-5-5@20261101', 'claude-sonnet-4-5@20250929']) {
      await adapter.chat({
        body: chatRequest.parse({
          model: 'v',
          messages: [{ role: 'user', content: 'Hi' }],
          response_format: jsonSchema(schema, true),
        }),
        model,
        signal,
        requestId: 'req-v',
      });
      expect(sent.at(-1)!.tools[0].name, model).toBe('json_response');
      expect(sent.at(-1), model).not.toHaveProperty('output_config');
    }
  });
});

describe('answers in a structured output', () => {
  const answer = { ...textMessage, content: [{ type: 'text', text: '{"answer":42}' }] };

  async function completion(respond: () => Response) {
    const { chat } = setup(respond);
    const result = await chat('claude-opus-5-5', { response_format: jsonSchema() });
    expect(result.kind).toBe('json');
    const body = (result as { body: ChatCompletion & Json }).body;
    expectOpenAIShape('CreateChatCompletionResponse', body);
    return body;
  }

  it('returns the text as the content, with its finish_reason and usage', async () => {
    const body = await completion(() => Response.json(answer));
    expect(body.choices[0].message.content).toBe('{"answer":42}');
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.usage).toMatchObject({ prompt_tokens: 171, completion_tokens: 12 });
  });

  it.each([
    ['refusal', 'content_filter'],
    ['max_tokens', 'length'],
  ])('maps stop_reason %s to %s (the text may not fit the schema)', async (stop, finish) => {
    const cut = { ...answer, content: [{ type: 'text', text: '{"answ' }], stop_reason: stop };
    const body = await completion(() => Response.json(cut));
    expect(body.choices[0].finish_reason).toBe(finish);
    expect(body.choices[0].message.content).toBe('{"answ');
  });

  it('streams the JSON as it comes, not held back as the JSON tool mode holds text', async () => {
    const events = [
      { type: 'message_start', message: { usage: { input_tokens: 30, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '{"answer":' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '42}' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } },
      { type: 'message_stop' },
    ];
    const sse = events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
    const { chat } = setup(() => new Response(sse, { headers: { 'content-type': 'text/event-stream' } }));
    const result = await chat('claude-opus-5-5', { stream: true, response_format: jsonSchema() });
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const chunks = (await new Response(result.body).text())
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: {'))
      .map((frame) => JSON.parse(frame.slice(6)) as Json);
    const contents = chunks.map((chunk) => chunk.choices?.[0]?.delta?.content).filter(Boolean);
    expect(contents).toEqual(['{"answer":', '42}']);
    expect(chunks.find((chunk) => chunk.choices?.[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 7 });
  });
});
