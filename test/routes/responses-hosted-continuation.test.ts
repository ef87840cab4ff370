// /v1/responses with OpenAI's hosted tools continuing a conversation the gateway stored (through
// Claude here): the stored items go to OpenAI, sent `store: false`, without the gateway's item ids
// and without reasoning OpenAI cannot read — as OpenAI takes them — while the client's own items go
// as it sent them; translated for another provider, the stored conversation is as ever. A
// previous_response_id the gateway never stored stays not found.
import { describe, expect, it } from 'vitest';
import { anthropicMessage, type StreamedBlock } from '../helpers/anthropic-sse';
import { answeredJson, createKey, type Json, putConfig, responses } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { messageItem, responseObject } from '../helpers/responses-upstream';
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANTHROPIC_URL = 'https://anthropic.test';
const OPENAI = 'https://api.openai.com/v1/responses';

/** Claude thinks, says so and calls the weather tool: a reasoning, a message and a function_call item. */
const CLAUDE_TURN: StreamedBlock[] = [
  { type: 'thinking', thinking: 'Paris weather needs a lookup.', signature: 'sig-claude-1' },
  { type: 'text', text: 'Let me check.' },
  { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
];

const WEATHER = { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } };

/** `claude` (Anthropic, answering CLAUDE_TURN) and `web` (OpenAI's own API); a new key. */
async function setup(): Promise<string> {
  const response = await putConfig({
    providers: {
      anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' },
      direct: { type: 'openai', apiKey: 'sk-direct' },
    },
    models: {
      claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
      web: { targets: [{ provider: 'direct', model: 'gpt-5.1' }] },
    },
    retry: { attempts: 0 },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  onUpstream(`${ANTHROPIC_URL}/v1/messages`, () =>
    json(
      anthropicMessage('', {
        id: 'msg_up',
        model: 'claude-sonnet-4-5-20250929',
        content: CLAUDE_TURN,
        stop_reason: 'tool_use',
      }),
    ),
  );
  onUpstream(OPENAI, () => json(responseObject({ model: 'gpt-5.1', output: [messageItem('18 °C.')] })));
  return (await createKey()).key;
}

async function answered(response: Response): Promise<Json> {
  const body = await answeredJson(response);
  expectOpenAIShape('Response', body);
  return body;
}

/** The first turn's output items by type: its reasoning, message and function call. */
function outputOf(response: Json): { reasoning: Json; message: Json; call: Json } {
  const byType = (type: string) => (response.output as Json[]).find((item) => item.type === type)!;
  return { reasoning: byType('reasoning'), message: byType('message'), call: byType('function_call') };
}

/** A PNG's first bytes, as an image_generation_call's `result` carries an image. */
const PNG = 'iVBORw0KGgoAAAANSUhEUg==';

const withoutId = ({ id: _id, ...rest }: Json): Json => rest;

/** What the client sends with the tool's result: its own item, with an id of its own. */
const OUTPUT = { type: 'function_call_output', id: 'fco_client_1', call_id: 'toolu_1', output: '18 °C' };

describe('/v1/responses with hosted tools continuing a stored conversation', () => {
  it('sends the stored conversation without gateway ids and Claude reasoning, the client items as sent', async () => {
    const key = await setup();
    // OpenAI's own encrypted reasoning, sent by the client in the first turn (Claude is not shown it).
    const openAIReasoning = {
      type: 'reasoning',
      id: 'rs_0d3f5e7a9b1c2d4e6f8a0b2c4d6e8f0a1b3c5d7e9f1a3b5c',
      encrypted_content: 'gAAAAABo-opaque-openai-reasoning',
      summary: [],
    };
    const firstInput = [{ role: 'user', content: 'Weather in Paris?' }, openAIReasoning];
    const first = await answered(
      await responses(key, { model: 'claude', input: firstInput, tools: [WEATHER] }),
    );
    const { reasoning, message, call } = outputOf(first);
    expect(reasoning.encrypted_content).toMatch(/^tollgate\./);

    const ask = { model: 'web', tools: [{ type: 'web_search' }, WEATHER], input: [OUTPUT] };
    await answered(await responses(key, { ...ask, previous_response_id: first.id }));
    expect(recorded.at(-1)!.url).toBe(OPENAI);
    expect(recorded.at(-1)!.body).toEqual({
      ...ask,
      model: 'gpt-5.1',
      store: false,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        withoutId(openAIReasoning),
        withoutId(message),
        withoutId(call),
        OUTPUT,
      ],
    });
  });

  it("names OpenAI's refusal of the client's item by its place in the input the client sent", async () => {
    // Sent on: the stored user message, Claude's message and call (its reasoning left out), then OUTPUT.
    // Registered first, so that it answers before setup's OpenAI route.
    onUpstream(OPENAI, () =>
      json(
        {
          error: {
            message: "Invalid 'input[3].output': expected a string.",
            type: 'invalid_request_error',
            param: 'input[3].output',
            code: null,
          },
        },
        400,
      ),
    );
    const key = await setup();
    const first = await answered(
      await responses(key, { model: 'claude', input: 'Weather?', tools: [WEATHER] }),
    );
    const refused = await responses(key, {
      model: 'web',
      tools: [{ type: 'web_search' }, WEATHER],
      previous_response_id: first.id,
      input: [OUTPUT],
    });
    expect(refused.status).toBe(400);
    const { error }: Json = await refused.json();
    expect(error).toMatchObject({
      param: 'input[0].output',
      message: "Invalid 'input[0].output': expected a string.",
    });
  });

  it('sends referenced items without their ids, leaving Claude reasoning out', async () => {
    const key = await setup();
    const first = await answered(
      await responses(key, { model: 'claude', input: 'Weather in Paris?', tools: [WEATHER] }),
    );
    const { reasoning, message, call } = outputOf(first);
    // The first turn's user message as input_items lists it: by the id the gateway gives it.
    const userId = `in_${String(first.id).replace(/^resp_/, '')}_0`;
    const ref = (id: unknown) => ({ type: 'item_reference', id });
    const own = { type: 'message', role: 'user', content: 'And tomorrow?' };

    const ask = { model: 'web', tools: [{ type: 'web_search' }, WEATHER] };
    const input = [ref(userId), ref(reasoning.id), ref(message.id), ref(call.id), OUTPUT, own];
    await answered(await responses(key, { ...ask, input }));
    expect(recorded.at(-1)!.body).toEqual({
      ...ask,
      model: 'gpt-5.1',
      store: false,
      input: [
        { type: 'message', role: 'user', content: 'Weather in Paris?' },
        withoutId(message),
        withoutId(call),
        OUTPUT,
        own,
      ],
    });
  });

  it('leaves out a stored image_generation_call, which OpenAI finds by no id with store: false', async () => {
    const key = await setup();
    // An image the gateway returned, sent back by the client in a turn it stored.
    const image = { type: 'image_generation_call', id: 'ig_made_0', status: 'completed', result: PNG };
    const draw = { role: 'user', content: 'Draw a cat.' };
    const first = await answered(await responses(key, { model: 'claude', input: [draw, image] }));
    const { message, call } = outputOf(first);
    const own = { role: 'user', content: 'Find its breed.' };

    const ask = { model: 'web', tools: [{ type: 'web_search' }] };
    await answered(await responses(key, { ...ask, previous_response_id: first.id, input: [own] }));
    expect(recorded.at(-1)!.body).toEqual({
      ...ask,
      model: 'gpt-5.1',
      store: false,
      input: [draw, withoutId(message), withoutId(call), own],
    });
  });

  it('still sends the stored reasoning back when the continuation goes to another provider', async () => {
    const key = await setup();
    const first = await answered(
      await responses(key, { model: 'claude', input: 'Weather in Paris?', tools: [WEATHER] }),
    );
    const { call } = outputOf(first);
    // Claude gets its signed thinking back, which a tool loop with thinking needs.
    await answered(
      await responses(key, {
        model: 'claude',
        tools: [WEATHER],
        input: [OUTPUT],
        previous_response_id: first.id,
      }),
    );
    const sent = recorded.at(-1)!.body as Json;
    const assistant = sent.messages.find((m: Json) => m.role === 'assistant');
    expect(assistant.content).toEqual(
      expect.arrayContaining([
        { type: 'thinking', thinking: 'Paris weather needs a lookup.', signature: 'sig-claude-1' },
      ]),
    );
    expect(assistant.content).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: call.call_id })]),
    );
  });

  it("refuses a previous_response_id the gateway did not store (OpenAI's own) before calling OpenAI", async () => {
    const key = await setup();
    const response = await responses(key, {
      model: 'web',
      tools: [{ type: 'web_search' }],
      previous_response_id: 'resp_68af0c1e2d3b4a5f6e7d8c9b0a1f2e3d',
      input: 'And tomorrow?',
    });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
    expect(recorded).toHaveLength(0);
  });
});
