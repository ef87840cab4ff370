// Fuzz cases for the public endpoints: valid example bodies to mutate, the few huge ones, the keys
// they are sent with, and the checks of a 2xx answer (OpenAI's response schemas).
import { expect } from 'vitest';
import { ADMIN_TOKEN, admin, createKey } from '../helpers/gateway';
import { type FuzzBody, hugeBody, METHODS } from './bodies';
import { type FuzzCase, shapeProblem } from './harness';
import { authHeaders, extraHeaders } from './headers';
import type { Rng } from './prng';
import type { Tree } from './values';

const user = (content: Tree) => ({ role: 'user', content });

export const CHAT_EXAMPLES: { [key: string]: Tree }[] = [
  { model: 'fast', messages: [user('hello there')] },
  { model: 'mock/mock-1', messages: [user('stream me')], stream: true },
  {
    model: 'smart',
    messages: [{ role: 'system', content: 'be brief' }, user('hi')],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: 3,
  },
  {
    model: 'fast',
    messages: [
      { role: 'developer', content: 'dev' },
      user([
        { type: 'text', text: 'what is this' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
      ]),
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: '{}' } }],
      },
      { role: 'tool', content: 'a cat', tool_call_id: 'call_1' },
    ],
    n: 2,
    temperature: 0.5,
    top_p: 0.9,
    stop: ['\n', 'END'],
    seed: 7,
    user: 'u1',
    foo_bar: { unknown: ['kept'] },
  },
  {
    model: 'fast',
    messages: [user('call the tool')],
    tools: [
      {
        type: 'function',
        function: { name: 'get_weather', description: 'w', parameters: { type: 'object', properties: {} } },
      },
    ],
    tool_choice: 'required',
    parallel_tool_calls: false,
  },
  {
    model: 'fast',
    messages: [user('json please')],
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'x', schema: { type: 'object' }, strict: true },
    },
    max_completion_tokens: 50,
    logprobs: false,
    presence_penalty: 0.1,
    frequency_penalty: -0.1,
  },
];
export const CHAT_KEYS = [
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'n',
  'tools',
  'tool_choice',
  'response_format',
  'role',
  'content',
  'temperature',
];

export const EMBEDDING_EXAMPLES: { [key: string]: Tree }[] = [
  { model: 'embeddings', input: 'the quick brown fox' },
  { model: 'mock/mock-1', input: ['a', 'b c', 'd e f'], encoding_format: 'base64' },
  { model: 'embeddings', input: [1, 2, 3], dimensions: 8 },
  { model: 'embeddings', input: [[1, 2], [3]], encoding_format: 'float', user: 'u' },
];
export const EMBEDDING_KEYS = ['model', 'input', 'encoding_format', 'dimensions', 'user'];

export const IMAGES_EXAMPLES: { [key: string]: Tree }[] = [
  { model: 'fast', prompt: 'a fox in the snow' },
  { model: 'mock/mock-1', prompt: 'two foxes', n: 2, size: '1024x1024', response_format: 'url' },
  { model: 'fast', prompt: 'a lighthouse', quality: 'high', output_format: 'webp', background: 'auto' },
];
export const IMAGES_KEYS = ['model', 'prompt', 'n', 'size', 'quality', 'response_format', 'style', 'stream'];

export const RESPONSES_EXAMPLES: { [key: string]: Tree }[] = [
  { model: 'fast', input: 'hello there' },
  { model: 'mock/mock-1', input: 'stream me', stream: true, instructions: 'be brief' },
  {
    model: 'fast',
    input: [
      { role: 'developer', content: 'dev' },
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'what is this' },
          { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'low' },
        ],
      },
      { type: 'function_call', call_id: 'call_1', name: 'look', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'a cat' },
      { type: 'reasoning', id: 'rs_1', summary: [] },
    ],
    tools: [
      { type: 'function', name: 'look', parameters: { type: 'object', properties: {} }, strict: false },
    ],
    tool_choice: 'required',
    temperature: 0.5,
    top_p: 0.9,
    max_output_tokens: 40,
    foo_bar: { unknown: ['kept'] },
  },
  {
    model: 'fast',
    input: [{ role: 'user', content: 'json please' }],
    text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' }, strict: true } },
    stream: true,
    store: false,
    metadata: { a: 'b' },
  },
];
export const RESPONSES_KEYS = [
  'model',
  'input',
  'instructions',
  'stream',
  'tools',
  'tool_choice',
  'text',
  'role',
  'content',
  'type',
  'max_output_tokens',
  'previous_response_id',
];

export const MESSAGES_EXAMPLES: { [key: string]: Tree }[] = [
  { model: 'fast', max_tokens: 50, messages: [{ role: 'user', content: 'hello there' }] },
  {
    model: 'mock/mock-1',
    max_tokens: 20,
    stream: true,
    system: 'be brief',
    messages: [{ role: 'user', content: 'stream me' }],
  },
  {
    model: 'fast',
    max_tokens: 40,
    system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'tool_use', id: 'toolu_1', name: 'look', input: { q: 'cat' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a cat', is_error: false }],
      },
    ],
    tools: [{ name: 'look', description: 'looks', input_schema: { type: 'object', properties: {} } }],
    tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    temperature: 0.5,
    top_k: 10,
    stop_sequences: ['END'],
    metadata: { user_id: 'u1' },
    foo_bar: { unknown: ['kept'] },
  },
  {
    model: 'fast',
    max_tokens: 30,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'json please' }] }],
    stream: true,
    thinking: { type: 'enabled', budget_tokens: 1024 },
  },
];
export const MESSAGES_KEYS = [
  'model',
  'max_tokens',
  'messages',
  'system',
  'stream',
  'tools',
  'tool_choice',
  'role',
  'content',
  'type',
  'source',
  'thinking',
];

/** Anthropic's Message, checked by hand (no OpenAPI document of Anthropic's here). */
function messageProblem(value: unknown): string | undefined {
  const message = value as Record<string, unknown> | null;
  if (message?.type !== 'message' || message.role !== 'assistant') return 'not a message';
  if (typeof message.id !== 'string' || !message.id.startsWith('msg_')) return `bad id ${String(message.id)}`;
  if (typeof message.model !== 'string') return 'no model';
  if (!Array.isArray(message.content)) return 'content is not a list';
  for (const block of message.content as { type?: unknown; text?: unknown; input?: unknown }[]) {
    if (block.type === 'text' && typeof block.text === 'string') continue;
    if (block.type === 'tool_use' && typeof block.input === 'object' && block.input !== null) continue;
    if (block.type === 'thinking' || block.type === 'redacted_thinking') continue;
    return `bad content block ${JSON.stringify(block).slice(0, 80)}`;
  }
  const usage = message.usage as Record<string, unknown> | undefined;
  if (typeof usage?.input_tokens !== 'number' || typeof usage.output_tokens !== 'number') return 'bad usage';
  return undefined;
}

const MESSAGE_EVENTS = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
]);

/** A Messages answer: the Message, or an event stream of known events from message_start to message_stop. */
export function checkMessages(response: Response, text: string): string | undefined {
  if (!response.headers.get('content-type')?.includes('text/event-stream'))
    return messageProblem(JSON.parse(text));
  const frames = text.split('\n\n').filter((frame) => frame !== '');
  const types: string[] = [];
  for (const frame of frames) {
    const match = /^event: (\w+)\ndata: (.*)$/s.exec(frame);
    if (!match) return `not a Messages event frame: ${frame.slice(0, 80)}`;
    const data = JSON.parse(match[2]!) as { type?: string; message?: unknown };
    if (data.type !== match[1]) return `event ${match[1]} carries type ${data.type}`;
    if (!MESSAGE_EVENTS.has(match[1]!)) return `unexpected event ${match[1]}: ${frame.slice(0, 200)}`;
    if (data.type === 'message_start') {
      const problem = messageProblem(data.message);
      if (problem) return `message_start: ${problem}`;
    }
    types.push(match[1]!);
  }
  if (types[0] !== 'message_start' || types.at(-1) !== 'message_stop')
    return `stream runs ${types[0]} … ${types.at(-1)}`;
  return undefined;
}

/** A Responses answer: the Response, or an event stream of valid events ending in a final one. */
export function checkResponses(response: Response, text: string): string | undefined {
  if (!response.headers.get('content-type')?.includes('text/event-stream'))
    return shapeProblem('Response', text);
  const frames = text.split('\n\n').filter((frame) => frame !== '');
  let last = '';
  for (const frame of frames) {
    const match = /^event: ([\w.]+)\ndata: (.*)$/s.exec(frame);
    if (!match) return `not a Responses event frame: ${frame.slice(0, 80)}`;
    const data = JSON.parse(match[2]!) as { type?: string };
    if (data.type !== match[1]) return `event ${match[1]} carries type ${data.type}`;
    const problem = shapeProblem('ResponseStreamEvent', data);
    if (problem) return problem;
    last = data.type ?? '';
  }
  if (last !== 'response.completed' && last !== 'response.incomplete') return `stream ends with ${last}`;
  return undefined;
}

export interface Keys {
  good: string[];
}

export function checkChat(response: Response, text: string): string | undefined {
  if (!response.headers.get('content-type')?.includes('text/event-stream'))
    return shapeProblem('CreateChatCompletionResponse', text);
  const frames = text.split('\n\n').filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]');
  if (!text.endsWith('data: [DONE]\n\n')) return 'stream does not end with [DONE]';
  for (const frame of frames) {
    let chunk: { error?: unknown };
    try {
      chunk = JSON.parse(frame.slice(6));
    } catch {
      return `stream frame is not JSON: ${frame.slice(0, 80)}`;
    }
    if (chunk.error) return `error event in a mock stream: ${frame.slice(0, 200)}`;
    const problem = shapeProblem('CreateChatCompletionStreamResponse', chunk);
    if (problem) return problem;
  }
  return undefined;
}

/** OpenAI's schema has no base64 form: decode those vectors to floats first, as the client would. */
export function checkEmbeddings(_: Response, text: string): string | undefined {
  const body = JSON.parse(text) as { data?: { embedding: unknown }[] };
  for (const item of body.data ?? []) {
    if (typeof item.embedding !== 'string') continue;
    const bytes = Uint8Array.from(atob(item.embedding), (c) => c.charCodeAt(0));
    if (bytes.length % 4 !== 0) return `base64 embedding of ${bytes.length} bytes is not float32`;
    item.embedding = Array.from(new Float32Array(bytes.buffer));
  }
  return shapeProblem('CreateEmbeddingResponse', body);
}

export function checkImages(_: Response, text: string): string | undefined {
  return shapeProblem('ImagesResponse', JSON.parse(text));
}

export function publicCase(
  rng: Rng,
  keys: Keys,
  path: string,
  method: string,
  body: FuzzBody | undefined,
  checkOk: FuzzCase['checkOk'],
): FuzzCase {
  const wrongMethod = rng.chance(0.05);
  const chosen = wrongMethod ? rng.pick(METHODS) : method;
  const hasBody = chosen !== 'GET' && chosen !== 'HEAD' && body !== undefined;
  const auth = { good: rng.chance(0.85) ? keys.good[0]! : rng.pick(keys.good), other: ADMIN_TOKEN };
  return {
    method: chosen,
    path: rng.chance(0.05)
      ? `${path}?${rng.pick(['stream=true', 'model=fast', 'a=%00', 'x'.repeat(3000)])}`
      : path,
    headers: [...authHeaders(rng, auth), ...extraHeaders(rng, hasBody)],
    ...(hasBody ? { body: body.body } : {}),
    note: `${wrongMethod ? `method ${chosen}; ` : ''}${body?.note ?? ''}`,
    checkOk,
  };
}

/** A few bodies near and over the 8 MB limit, at fixed indexes so every run has them. */
export function bigChat(index: number): FuzzBody | undefined {
  const base = (content: Tree, extra: { [key: string]: Tree } = {}) => ({
    model: 'fast',
    messages: [user(content)],
    ...extra,
  });
  if (index === 0) return hugeBody((big) => base(big), 10 * 1024 * 1024, false);
  if (index === 1) return hugeBody((big) => base(big, { stream: true }), 7 * 1024 * 1024, false);
  if (index === 2) return hugeBody((big) => base(big, { stream: true, n: 4 }), 6 * 1024 * 1024, true);
  if (index === 3) return hugeBody((big) => base('hi', { foo: big }), 10 * 1024 * 1024, false);
  if (index === 4) return hugeBody((big) => base(big, { n: 128 }), 7 * 1024 * 1024, true);
  return undefined;
}

export function bigResponses(index: number): FuzzBody | undefined {
  if (index === 0) return hugeBody((big) => ({ model: 'fast', input: big }), 10 * 1024 * 1024, false);
  if (index === 1)
    return hugeBody((big) => ({ model: 'fast', input: big, stream: true }), 7 * 1024 * 1024, true);
  return undefined;
}

export function bigEmbeddings(index: number): FuzzBody | undefined {
  if (index === 0) return hugeBody((big) => ({ model: 'embeddings', input: big }), 10 * 1024 * 1024, true);
  if (index === 1)
    return hugeBody((big) => ({ model: 'embeddings', input: [big, big] }), 3 * 1024 * 1024, true);
  return undefined;
}

export async function fuzzKeys(): Promise<Keys> {
  const main = await createKey({ name: 'fuzz main' });
  const limited = await createKey({ name: 'fuzz limited', limits: { rpm: 3, tpm: 200 } });
  const narrow = await createKey({ name: 'fuzz narrow', models: ['smart'] });
  const revoked = await createKey({ name: 'fuzz revoked' });
  expect((await admin(`/admin/keys/${revoked.id}`, 'DELETE')).status).toBe(200);
  return { good: [main.key, limited.key, narrow.key, revoked.key] };
}
