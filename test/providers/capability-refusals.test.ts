// Which refusals of the translating adapters pass the request to the route's next target
// (Unsupported: a provider's own limit, another may serve it) and which are the client's 400 at
// once (a plain GatewayError: no provider would take it, OpenAI included).
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import { type ChatRequest, chatRequest } from '../../src/openai/schemas';
import { toAnthropicRequest } from '../../src/providers/anthropic-request';
import { toConverseRequest } from '../../src/providers/bedrock-request';
import { toCohereRequest } from '../../src/providers/cohere-request';
import { toGeminiRequest } from '../../src/providers/gemini-request';
import { Unsupported } from '../../src/providers/types';
import { toWorkersAIInputs } from '../../src/providers/workers-ai-request';

type Translate = (body: ChatRequest) => unknown;
const TRANSLATE: Record<string, Translate> = {
  anthropic: (body) => toAnthropicRequest(body, 'claude-sonnet-4-5', { defaultMaxTokens: 100 }),
  bedrock: (body) => toConverseRequest(body, 'anthropic.claude-sonnet-4-5-20250929-v1:0'),
  cohere: (body) => toCohereRequest(body, 'command-a-03-2025'),
  gemini: (body) => toGeminiRequest(body),
  'workers-ai': (body) => toWorkersAIInputs(body),
};

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const request = (extra: Record<string, unknown>) =>
  chatRequest.parse({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], ...extra });
const user = (content: unknown) => request({ messages: [{ role: 'user', content }] });
const call = { id: 'c1', type: 'function', function: { name: 'shot', arguments: '{}' } };
const tools = [{ type: 'function', function: { name: 'shot' } }];
/** A tool result holding `content`, after the call it answers. */
const toolResult = (content: unknown) =>
  request({
    tools,
    messages: [
      { role: 'user', content: 'Look' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'c1', content },
    ],
  });
const legacyFunction = request({
  messages: [
    { role: 'user', content: 'Hi' },
    { role: 'function', name: 'shot', content: 'done' },
  ],
});
const audio = { type: 'input_audio', input_audio: { data: 'UklGRgAAAABXQVZF', format: 'wav' } };

function thrown(adapter: string, body: ChatRequest): unknown {
  try {
    TRANSLATE[adapter]!(body);
  } catch (error) {
    return error;
  }
  throw new Error(`${adapter} took the request`);
}

describe("adapter refusals: the route's next target, or the client's 400 at once", () => {
  const passedOn: [string, string, ChatRequest][] = [
    ['anthropic', 'audio', user([audio])],
    [
      'anthropic',
      'a HEIC image (Gemini takes it)',
      user([{ type: 'image_url', image_url: { url: 'data:image/heic;base64,AAAA' } }]),
    ],
    ['anthropic', 'a legacy function message', legacyFunction],
    ['anthropic', "a whitespace-only stop (OpenAI's models take it)", request({ stop: '\n' })],
    [
      'anthropic',
      "a tool named as the adapter's own JSON tool, beside response_format",
      request({
        tools: [{ type: 'function', function: { name: 'json_response' } }],
        response_format: { type: 'json_object' },
      }),
    ],
    [
      'bedrock',
      'an image link',
      user([{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }]),
    ],
    ['bedrock', 'audio', user([audio])],
    ['bedrock', 'a legacy function message', legacyFunction],
    ['bedrock', 'schema-less JSON mode', request({ response_format: { type: 'json_object' } })],
    [
      'bedrock',
      "a json_schema without its schema (OpenAI's is optional)",
      request({ response_format: { type: 'json_schema', json_schema: { name: 'answer' } } }),
    ],
    ['bedrock', 'a whitespace-only stop at a Claude model', request({ stop: ['\n'] })],
    ['gemini', 'a legacy function message', legacyFunction],
    [
      'gemini',
      'an image link whose type its extension does not tell (OpenAI and Anthropic fetch it)',
      user([{ type: 'image_url', image_url: { url: 'https://example.com/render?id=7' } }]),
    ],
    ['gemini', "a file by OpenAI's file_id", user([{ type: 'file', file: { file_id: 'file-abc' } }])],
    ['cohere', 'audio', user([audio])],
    ['cohere', 'an image in a tool result', toolResult([{ type: 'image_url', image_url: { url: PNG } }])],
    ['cohere', 'a legacy function message', legacyFunction],
    ['workers-ai', 'audio', user([audio])],
    ['workers-ai', 'an image in a tool result', toolResult([{ type: 'image_url', image_url: { url: PNG } }])],
    ['workers-ai', 'a legacy function message', legacyFunction],
  ];
  it.each(passedOn)('%s passes on %s', (adapter, _what, body) => {
    const error = thrown(adapter, body);
    expect(error).toBeInstanceOf(Unsupported);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
  });

  const systemImage = request({
    messages: [
      { role: 'system', content: [{ type: 'image_url', image_url: { url: PNG } }] },
      { role: 'user', content: 'Hi' },
    ],
  });
  it.each(Object.keys(TRANSLATE))(
    '%s refuses an image in a system message at once (OpenAI does too)',
    (adapter) => {
      const error = thrown(adapter, systemImage);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).not.toBeInstanceOf(Unsupported);
      expect(error).toMatchObject({ status: 400 });
    },
  );
});
