// A fake OpenAI Responses API upstream for the gateway tests of Responses-only models: the config,
// Response objects and event streams shaped as OpenAI sends them (each checked against its schema).
import { exports } from 'cloudflare:workers';
import OpenAI from 'openai';
import { expect } from 'vitest';
import { call, createKey, type Json, putConfig } from './gateway';
import { expectResponseEvent } from './openapi';

export const OPENAI_URL = 'https://upstream.test/v1';
export const RESPONSES = `${OPENAI_URL}/responses`;
export const CREATED = 1_762_300_000;

export async function setup() {
  const config = {
    providers: {
      // A custom baseUrl is not OpenAI's own API: the Responses models are named.
      openai: {
        type: 'openai',
        baseUrl: OPENAI_URL,
        apiKey: 'sk-test-secret',
        responsesApi: ['gpt-5.1-codex', 'o3-pro'],
      },
      // OpenAI's own API: its Responses-only models go there by name, unless switched off.
      direct: { type: 'openai', apiKey: 'sk-direct' },
      'direct-off': { type: 'openai', apiKey: 'sk-direct', responsesApi: false },
      azure: { type: 'azure-openai', resourceName: 'contoso', apiKey: 'azure-key-1' },
      mock: { type: 'mock' },
    },
    models: {
      codex: { targets: [{ provider: 'openai', model: 'gpt-5.1-codex' }] },
      'codex-or-mock': {
        targets: [
          { provider: 'openai', model: 'gpt-5.1-codex' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
      gpt: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
      'azure-codex': { targets: [{ provider: 'azure', model: 'gpt-5-codex' }] },
      'direct-codex': { targets: [{ provider: 'direct', model: 'gpt-5.1-codex' }] },
      'direct-gpt': { targets: [{ provider: 'direct', model: 'gpt-5.1' }] },
      'off-codex': { targets: [{ provider: 'direct-off', model: 'gpt-5.1-codex' }] },
    },
    retry: { attempts: 0 },
  };
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

export const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
} as const;

// As OpenAI's published schema has it (cache_write_tokens required there).
export const USAGE = {
  input_tokens: 1_200,
  input_tokens_details: { cached_tokens: 1_024, cache_write_tokens: 0 },
  output_tokens: 300,
  output_tokens_details: { reasoning_tokens: 256 },
  total_tokens: 1_500,
};

export type Item = Record<string, unknown>;
/** One event of a Responses stream, before its sequence_number. */
export type StreamEvent = { type: string; [field: string]: unknown };

/**
 * A Response object as OpenAI answers one (fields a non-stored, non-background call carries); a
 * field set to undefined is left out (OpenAI writes null where its published schema has none).
 */
export function responseObject(fields: Record<string, unknown> = {}): Json {
  const response: Json = {
    id: 'resp_0a1b2c3d4e5f67890123456789abcdef',
    object: 'response',
    created_at: CREATED,
    status: 'completed',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: 2048,
    max_tool_calls: null,
    model: 'gpt-5.1-codex',
    output: [],
    parallel_tool_calls: true,
    previous_response_id: null,
    prompt_cache_key: null,
    reasoning: { effort: 'medium', summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: false,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_logprobs: 0,
    top_p: 1,
    truncation: 'disabled',
    usage: USAGE,
    metadata: {},
    ...fields,
  };
  return JSON.parse(JSON.stringify(response));
}

export const reasoningItem: Item = {
  id: 'rs_0a1b2c3d4e5f6789',
  type: 'reasoning',
  summary: [{ type: 'summary_text', text: 'The user wants the weather; call the tool.' }],
};

export const messageItem = (text: string): Item => ({
  id: 'msg_0a1b2c3d4e5f6789',
  type: 'message',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', annotations: [], logprobs: [], text }],
});

export const callItem = (args: string, status = 'completed'): Item => ({
  id: 'fc_0a1b2c3d4e5f6789',
  type: 'function_call',
  status,
  arguments: args,
  call_id: 'call_Wx5Yq2LbN8mT',
  name: 'get_weather',
});

/** SSE frames as OpenAI writes them (`event:` then `data:`), numbered, each checked against its schema. */
export function responsesStream(events: StreamEvent[]): string[] {
  return events.map((fields, sequence_number) => {
    const event = { ...fields, sequence_number };
    if (event.type !== 'error') expectResponseEvent(event);
    return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
  });
}

export const opening = (): StreamEvent[] => [
  { type: 'response.created', response: responseObject({ status: 'in_progress', usage: undefined }) },
  { type: 'response.in_progress', response: responseObject({ status: 'in_progress', usage: undefined }) },
];

/** A message item's events: added, its text in `deltas`, done. */
export function textEvents(output_index: number, deltas: string[]): StreamEvent[] {
  const item_id = messageItem('').id;
  const text = deltas.join('');
  const part = { type: 'output_text', annotations: [], logprobs: [], text: '' };
  const at = { item_id, output_index, content_index: 0 };
  return [
    {
      type: 'response.output_item.added',
      output_index,
      item: { ...messageItem(''), status: 'in_progress', content: [] },
    },
    { type: 'response.content_part.added', ...at, part },
    ...deltas.map((delta) => ({ type: 'response.output_text.delta', ...at, delta, logprobs: [] })),
    { type: 'response.output_text.done', ...at, text, logprobs: [] },
    { type: 'response.content_part.done', ...at, part: { ...part, text } },
    { type: 'response.output_item.done', output_index, item: messageItem(text) },
  ];
}

/** A function_call item's events, its arguments in `fragments`. */
export function callEvents(output_index: number, fragments: string[]): StreamEvent[] {
  const item_id = callItem('').id;
  const args = fragments.join('');
  return [
    { type: 'response.output_item.added', output_index, item: callItem('', 'in_progress') },
    ...fragments.map((delta) => ({
      type: 'response.function_call_arguments.delta',
      item_id,
      output_index,
      delta,
    })),
    {
      type: 'response.function_call_arguments.done',
      item_id,
      output_index,
      name: 'get_weather',
      arguments: args,
    },
    { type: 'response.output_item.done', output_index, item: callItem(args) },
  ];
}

/** A reasoning item's events, its summary in `deltas`. */
export function reasoningEvents(output_index: number, deltas: string[]): StreamEvent[] {
  const item_id = reasoningItem.id;
  const text = deltas.join('');
  const at = { item_id, output_index, summary_index: 0 };
  return [
    { type: 'response.output_item.added', output_index, item: { ...reasoningItem, summary: [] } },
    { type: 'response.reasoning_summary_part.added', ...at, part: { type: 'summary_text', text: '' } },
    ...deltas.map((delta) => ({ type: 'response.reasoning_summary_text.delta', ...at, delta })),
    { type: 'response.reasoning_summary_text.done', ...at, text },
    { type: 'response.reasoning_summary_part.done', ...at, part: { type: 'summary_text', text } },
    {
      type: 'response.output_item.done',
      output_index,
      item: { ...reasoningItem, summary: [{ type: 'summary_text', text }] },
    },
  ];
}

export const ASK = [{ role: 'user', content: 'Weather in Paris?' }];

/** The whole tool-calling stream: reasoning, a sentence, a call with arguments in fragments. */
export function toolStream(): string[] {
  const output = [
    { ...reasoningItem, summary: [{ type: 'summary_text', text: 'Need the weather tool.' }] },
    messageItem('Checking the weather.'),
    callItem('{"city":"Paris"}'),
  ];
  return responsesStream([
    ...opening(),
    ...reasoningEvents(0, ['Need the ', 'weather tool.']),
    ...textEvents(1, ['Checking', ' the weather.']),
    ...callEvents(2, ['{"ci', 'ty":"Pa', 'ris"}']),
    { type: 'response.completed', response: responseObject({ output }) },
  ]);
}

export function sdkClient(key: string): OpenAI {
  return new OpenAI({
    apiKey: key,
    baseURL: 'https://gateway.test/v1',
    maxRetries: 0,
    fetch: (url, init) => exports.default.fetch(new Request(url, init)),
  });
}

export function post(path: string, headers: Record<string, string>, body: unknown): Promise<Response> {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
