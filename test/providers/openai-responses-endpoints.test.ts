// Responses-only models on the gateway's other endpoints (/v1/responses, /v1/messages), which calls
// go to the Responses API (named models, OpenAI's own API, Azure deployments), and what is refused.
import { describe, expect, it } from 'vitest';
import { chat, type Json } from '../helpers/gateway';
import { expectOpenAIShape, expectResponseEvent, responseEvents } from '../helpers/openapi';
import {
  ASK,
  CREATED,
  callItem,
  messageItem,
  OPENAI_URL,
  opening,
  post,
  RESPONSES,
  reasoningItem,
  responseObject,
  responsesStream,
  setup,
  textEvents,
  WEATHER_TOOL,
} from '../helpers/responses-upstream';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';

describe('other gateway endpoints on a Responses-only model', () => {
  it('POST /v1/responses is served through chat, then the Responses API upstream', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () => json(responseObject({ output: [reasoningItem, messageItem('Hi there.')] })));
    const response = await post(
      '/v1/responses',
      { authorization: `Bearer ${key}` },
      { model: 'codex', instructions: 'Be brief.', input: 'Say hi', max_output_tokens: 256 },
    );
    expect(response.status, await response.clone().text()).toBe(200);
    const body: Json = await response.json();
    expectOpenAIShape('Response', body);
    expect(body.status).toBe('completed');
    const message = body.output.find((item: Json) => item.type === 'message');
    expect(message.content[0]).toMatchObject({ type: 'output_text', text: 'Hi there.' });
    expect(body.usage).toMatchObject({ input_tokens: 1_200, output_tokens: 300, total_tokens: 1_500 });

    expect(recorded[0]!.url).toBe(RESPONSES);
    expect(recorded[0]!.body).toMatchObject({
      model: 'gpt-5.1-codex',
      input: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hi' },
      ],
      max_output_tokens: 256,
      store: false,
    });
  });

  it('POST /v1/responses streams valid Responses events', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () =>
      sse(
        responsesStream([
          ...opening(),
          ...textEvents(0, ['Hi', ' there.']),
          { type: 'response.completed', response: responseObject({ output: [messageItem('Hi there.')] }) },
        ]),
      ),
    );
    const response = await post(
      '/v1/responses',
      { authorization: `Bearer ${key}` },
      { model: 'codex', input: 'Say hi', stream: true },
    );
    expect(response.status).toBe(200);
    const events = responseEvents(await response.text());
    for (const event of events) expectResponseEvent(event);
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe('Hi there.');
    const completed = events.at(-1) as Json;
    expect(completed.type).toBe('response.completed');
    expect(completed.response.usage).toMatchObject({ input_tokens: 1_200, output_tokens: 300 });
  });

  it('POST /v1/messages answers an Anthropic message, tool use included', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () =>
      json(responseObject({ output: [messageItem('Let me check.'), callItem('{"city":"Paris"}')] })),
    );
    const response = await post(
      '/v1/messages',
      { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      {
        model: 'codex',
        max_tokens: 512,
        system: 'Be brief.',
        messages: ASK,
        tools: [
          {
            name: 'get_weather',
            description: 'Current weather of a city',
            input_schema: WEATHER_TOOL.function.parameters,
          },
        ],
      },
    );
    expect(response.status, await response.clone().text()).toBe(200);
    const body: Json = await response.json();
    expect(body).toMatchObject({
      type: 'message',
      role: 'assistant',
      stop_reason: 'tool_use',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_Wx5Yq2LbN8mT', name: 'get_weather', input: { city: 'Paris' } },
      ],
    });
    expect(body.usage.output_tokens).toBe(300);

    expect(recorded[0]!.url).toBe(RESPONSES);
    expect(recorded[0]!.body).toMatchObject({
      model: 'gpt-5.1-codex',
      max_output_tokens: 512,
      input: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
      tools: [{ type: 'function', name: 'get_weather', strict: false }],
    });
  });
});

describe("OpenAI's encrypted reasoning through /v1/messages (Claude Code's tool loop)", () => {
  const tools = [
    { name: 'get_weather', description: 'Current weather', input_schema: WEATHER_TOOL.function.parameters },
  ];
  const headers = (key: string) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' });
  const encrypted = { ...reasoningItem, encrypted_content: 'gAAAA-openai-blob' };

  it('packs it in a redacted_thinking block, which sent back reaches OpenAI as the reasoning item', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () => json(responseObject({ output: [encrypted, callItem('{"city":"Paris"}')] })));
    const request = { model: 'codex', max_tokens: 512, messages: ASK, tools };
    const first: Json = await (await post('/v1/messages', headers(key), request)).json();
    const redacted = first.content.find((block: Json) => block.type === 'redacted_thinking');
    expect(redacted.data).toMatch(/^tollgate\.thinking\.v1\./);
    expect(JSON.stringify(first)).not.toContain('gAAAA-openai-blob'); // packed, never shown as it came
    const toolUse = first.content.find((block: Json) => block.type === 'tool_use');
    const messages = [
      ...ASK,
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'Sunny' }] },
    ];
    expect((await post('/v1/messages', headers(key), { ...request, messages })).status).toBe(200);
    const input = (recorded[1]!.body as Json).input as Json[];
    expect(input.filter((item) => item.type === 'reasoning')).toEqual([
      { type: 'reasoning', encrypted_content: 'gAAAA-openai-blob', summary: [] },
    ]);
  });

  it('streams it as a whole redacted block once the summary it follows has ended', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () =>
      sse(
        responsesStream([
          ...opening(),
          { type: 'response.output_item.added', output_index: 0, item: { ...reasoningItem, summary: [] } },
          {
            type: 'response.reasoning_summary_text.delta',
            item_id: reasoningItem.id,
            output_index: 0,
            summary_index: 0,
            delta: 'Plan.',
          },
          {
            type: 'response.output_item.done',
            output_index: 0,
            item: { ...encrypted, summary: [{ type: 'summary_text', text: 'Plan.' }] },
          },
          ...textEvents(1, ['Done.']),
          {
            type: 'response.completed',
            response: responseObject({ output: [encrypted, messageItem('Done.')] }),
          },
        ]),
      ),
    );
    const response = await post('/v1/messages', headers(key), {
      model: 'codex',
      max_tokens: 512,
      stream: true,
      messages: ASK,
    });
    const events = (await response.text())
      .split('\n\n')
      .filter((frame) => frame.includes('data: '))
      .map((frame) => JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as Json);
    const starts = events.filter((e) => e.type === 'content_block_start').map((e) => e.content_block.type);
    expect(starts).toEqual(['thinking', 'redacted_thinking', 'text']);
    // Each block stops before the next starts, as Anthropic streams them.
    let open: number | undefined;
    for (const event of events) {
      if (event.type === 'content_block_start') {
        expect(open).toBeUndefined();
        open = event.index;
      } else if (event.type === 'content_block_stop') {
        expect(event.index).toBe(open);
        open = undefined;
      }
    }
  });
});

describe('parameters the Responses API cannot honour', () => {
  for (const [param, extra] of [
    ['stop', { stop: ['\n\n'] }],
    ['n', { n: 2 }],
  ] as const) {
    it(`answers 400 naming '${param}' without calling upstream`, async () => {
      const key = await setup();
      const response = await chat(key, { model: 'codex', messages: ASK, ...extra });
      expect(response.status).toBe(400);
      const body: Json = await response.json();
      expectOpenAIShape('ErrorResponse', body);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(body.error.message).toContain('Responses API');
      expect(recorded).toHaveLength(0);
    });
  }
});

describe('which calls go to the Responses API', () => {
  it('sends an Azure deployment named gpt-5-codex to /openai/v1/responses with the api-key', async () => {
    const key = await setup();
    const url = 'https://contoso.openai.azure.com/openai/v1/responses';
    onUpstream(url, () => json(responseObject({ model: 'gpt-5-codex', output: [messageItem('Hello.')] })));
    const response = await chat(key, { model: 'azure-codex', messages: ASK });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('azure');
    const body: Json = await response.json();
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices[0].message.content).toBe('Hello.');
    expect(recorded[0]!.url).toBe(url);
    expect(recorded[0]!.headers.get('api-key')).toBe('azure-key-1');
    expect(recorded[0]!.headers.get('authorization')).toBeNull();
    expect(recorded[0]!.body).toMatchObject({ model: 'gpt-5-codex', input: ASK, store: false });
  });

  it('keeps a model not listed in responsesApi on /chat/completions, unchanged', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: CREATED,
        model: 'gpt-4o-mini-2024-07-18',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hi!', refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
      }),
    );
    const response = await chat(key, { model: 'gpt', messages: ASK, stop: ['\n'], n: 1 });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Json).choices[0].message.content).toBe('Hi!');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.url).toBe(`${OPENAI_URL}/chat/completions`);
    expect(recorded[0]!.body).toMatchObject({ model: 'gpt-4o-mini', messages: ASK, stop: ['\n'] });
    expect(recorded[0]!.body).not.toHaveProperty('input');
  });

  it("sends OpenAI's own API's Responses-only models to /v1/responses by name, and no other", async () => {
    const key = await setup();
    onUpstream('https://api.openai.com/v1/responses', () =>
      json(responseObject({ output: [messageItem('A.')] })),
    );
    onUpstream('https://api.openai.com/v1/chat/completions', () =>
      json({
        id: 'chatcmpl-2',
        object: 'chat.completion',
        created: CREATED,
        model: 'gpt-5.1-2025-11-13',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'B.', refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
      }),
    );
    for (const [model, url, content] of [
      ['direct-codex', 'https://api.openai.com/v1/responses', 'A.'],
      ['direct-gpt', 'https://api.openai.com/v1/chat/completions', 'B.'],
      // responsesApi: false keeps even a codex model on chat completions.
      ['off-codex', 'https://api.openai.com/v1/chat/completions', 'B.'],
    ] as const) {
      const response = await chat(key, { model, messages: ASK });
      expect(response.status, model).toBe(200);
      expect(((await response.json()) as Json).choices[0].message.content, model).toBe(content);
      expect(recorded.at(-1)!.url, model).toBe(url);
      expect(recorded.at(-1)!.headers.get('authorization')).toBe('Bearer sk-direct');
    }
  });
});
