// Fake upstreams for the translating adapters (Anthropic, Gemini, Bedrock Converse, Cohere v2):
// one text answer or one tool call in each provider's own wire format, JSON or streamed, and its
// rate-limit and bad-request errors — for tests that drive the official SDKs through the gateway.
import {
  encodeEvents,
  eventStreamResponse,
  type FixtureEvent,
} from '../fixtures/bedrock/event-stream-encoder';
import { anthropicStream } from './anthropic-sse';
import { json, sse } from './upstream';

export type WireAnswer =
  | { text: string }
  | { tool: { id: string; name: string; args: Record<string, unknown> } };

export interface ProviderWire {
  name: string;
  /** The provider's config entry and a model of it. */
  provider: Record<string, unknown>;
  model: string;
  /** What the adapter's chat calls start with. */
  prefix: string;
  /** Whether the call asks for a stream (by URL or body, as the provider tells it). */
  streams: (url: string, body: Record<string, unknown>) => boolean;
  answer: (answer: WireAnswer, stream: boolean) => Response;
  /** A 429 that asks for a wait of 17 s, the provider's way. */
  rateLimited: () => Response;
  /** A 400 whose message is `message`. */
  refused: (message: string) => Response;
}

const byBody = (_url: string, body: Record<string, unknown>) => body.stream === true;

export const anthropicWire: ProviderWire = {
  name: 'anthropic',
  provider: { type: 'anthropic', baseUrl: 'https://anthropic.test', apiKey: 'sk-ant' },
  model: 'claude-sonnet-4-5',
  prefix: 'https://anthropic.test/v1/messages',
  streams: byBody,
  answer(answer, stream) {
    const block =
      'text' in answer
        ? ({ type: 'text', text: answer.text } as const)
        : ({
            type: 'tool_use',
            id: answer.tool.id,
            name: answer.tool.name,
            input: answer.tool.args,
          } as const);
    const stopReason = 'text' in answer ? 'end_turn' : 'tool_use';
    if (stream) return anthropicStream([block], { stopReason, inputTokens: 10, outputTokens: 5 });
    return json({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [block],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    });
  },
  rateLimited: () =>
    json({ type: 'error', error: { type: 'rate_limit_error', message: 'Slow down.' } }, 429, {
      'retry-after': '17',
    }),
  refused: (message) => json({ type: 'error', error: { type: 'invalid_request_error', message } }, 400),
};

export const geminiWire: ProviderWire = {
  name: 'gemini',
  provider: { type: 'gemini', baseUrl: 'https://gemini.test/v1beta', apiKey: 'AIza-test' },
  model: 'gemini-2.5-flash',
  prefix: 'https://gemini.test/v1beta/models/gemini-2.5-flash:',
  streams: (url) => url.includes(':streamGenerateContent'),
  answer(answer, stream) {
    const part =
      'text' in answer
        ? { text: answer.text }
        : { functionCall: { name: answer.tool.name, args: answer.tool.args } };
    const body = {
      candidates: [{ content: { parts: [part], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'r1',
    };
    return stream ? sse([`data: ${JSON.stringify(body)}\r\n\r\n`]) : json(body);
  },
  rateLimited: () =>
    json(
      {
        error: {
          code: 429,
          message: 'Quota exceeded.',
          status: 'RESOURCE_EXHAUSTED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '17s' }],
        },
      },
      429,
    ),
  refused: (message) => json({ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }, 400),
};

const BEDROCK_MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const converseUsage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };

function converseStream(answer: WireAnswer): Response {
  const block: FixtureEvent[] =
    'text' in answer
      ? [{ event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: answer.text } } }]
      : [
          {
            event: 'contentBlockStart',
            payload: {
              contentBlockIndex: 0,
              start: { toolUse: { toolUseId: answer.tool.id, name: answer.tool.name } },
            },
          },
          {
            event: 'contentBlockDelta',
            payload: {
              contentBlockIndex: 0,
              delta: { toolUse: { input: JSON.stringify(answer.tool.args) } },
            },
          },
        ];
  return eventStreamResponse(
    encodeEvents([
      { event: 'messageStart', payload: { role: 'assistant' } },
      ...block,
      { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
      { event: 'messageStop', payload: { stopReason: 'text' in answer ? 'end_turn' : 'tool_use' } },
      { event: 'metadata', payload: { usage: converseUsage, metrics: { latencyMs: 5 } } },
    ]),
  );
}

export const bedrockWire: ProviderWire = {
  name: 'bedrock',
  provider: {
    type: 'bedrock',
    region: 'eu-west-3',
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    baseUrl: 'https://bedrock.test',
    models: [BEDROCK_MODEL],
  },
  model: BEDROCK_MODEL,
  prefix: 'https://bedrock.test/model/',
  streams: (url) => url.endsWith('/converse-stream'),
  answer(answer, stream) {
    if (stream) return converseStream(answer);
    const block =
      'text' in answer
        ? { text: answer.text }
        : { toolUse: { toolUseId: answer.tool.id, name: answer.tool.name, input: answer.tool.args } };
    return json({
      output: { message: { role: 'assistant', content: [block] } },
      stopReason: 'text' in answer ? 'end_turn' : 'tool_use',
      usage: converseUsage,
      metrics: { latencyMs: 5 },
    });
  },
  rateLimited: () =>
    json({ message: 'Too many requests.' }, 429, {
      'x-amzn-errortype': 'ThrottlingException',
      'retry-after': '17',
    }),
  refused: (message) => json({ message }, 400, { 'x-amzn-errortype': 'ValidationException' }),
};

const cohereUsage = {
  billed_units: { input_tokens: 10, output_tokens: 5 },
  tokens: { input_tokens: 10, output_tokens: 5 },
};
/** One Cohere v2 SSE event: `event:` names its data's type. */
const cohereFrame = (data: Record<string, unknown>) =>
  `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;

function cohereStream(answer: WireAnswer): Response {
  const message = (fields: Record<string, unknown>) => ({ message: fields });
  const middle =
    'text' in answer
      ? [
          { type: 'content-start', index: 0, delta: message({ content: { type: 'text', text: '' } }) },
          { type: 'content-delta', index: 0, delta: message({ content: { text: answer.text } }) },
          { type: 'content-end', index: 0 },
        ]
      : [
          {
            type: 'tool-call-start',
            index: 0,
            delta: message({
              tool_calls: {
                id: answer.tool.id,
                type: 'function',
                function: { name: answer.tool.name, arguments: '' },
              },
            }),
          },
          {
            type: 'tool-call-delta',
            index: 0,
            delta: message({ tool_calls: { function: { arguments: JSON.stringify(answer.tool.args) } } }),
          },
          { type: 'tool-call-end', index: 0 },
        ];
  return sse(
    [
      { type: 'message-start', id: 'c1', delta: message({ role: 'assistant', content: [], tool_calls: [] }) },
      ...middle,
      {
        type: 'message-end',
        delta: { finish_reason: 'text' in answer ? 'COMPLETE' : 'TOOL_CALL', usage: cohereUsage },
      },
    ].map(cohereFrame),
  );
}

export const cohereWire: ProviderWire = {
  name: 'cohere',
  provider: { type: 'cohere', baseUrl: 'https://cohere.test', apiKey: 'co-test' },
  model: 'command-a-03-2025',
  prefix: 'https://cohere.test/v2/chat',
  streams: byBody,
  answer(answer, stream) {
    if (stream) return cohereStream(answer);
    const message =
      'text' in answer
        ? { role: 'assistant', content: [{ type: 'text', text: answer.text }] }
        : {
            role: 'assistant',
            tool_plan: 'I will call it.',
            tool_calls: [
              {
                id: answer.tool.id,
                type: 'function',
                function: { name: answer.tool.name, arguments: JSON.stringify(answer.tool.args) },
              },
            ],
          };
    return json({
      id: 'c1',
      finish_reason: 'text' in answer ? 'COMPLETE' : 'TOOL_CALL',
      message,
      usage: cohereUsage,
    });
  },
  rateLimited: () => json({ message: 'Too many requests.' }, 429, { 'retry-after': '17' }),
  refused: (message) => json({ message }, 400),
};

export const TRANSLATED_WIRES = [anthropicWire, geminiWire, bedrockWire, cohereWire];
