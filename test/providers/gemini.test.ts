// Gemini adapter, called directly with a fake fetch: the exact upstream request, the translated
// answer, safety blocks, every error class and embeddings.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import { chatRequest, embeddingsRequest } from '../../src/openai/schemas';
import { createGemini } from '../../src/providers/gemini';
import type { ChatCompletion } from '../../src/providers/types';
import embed from '../fixtures/gemini/embed.json';
import errors from '../fixtures/gemini/errors.json';
import n2 from '../fixtures/gemini/generate-n2.json';
import safety from '../fixtures/gemini/generate-safety.json';
import text from '../fixtures/gemini/generate-text.json';
import tools from '../fixtures/gemini/generate-tools.json';
import blocked from '../fixtures/gemini/prompt-blocked.json';
import { parsed } from '../helpers/embeddings';
import type { Json } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';

const BASE = 'https://generativelanguage.googleapis.com/v1beta';

function setup(respond: () => Response = () => Response.json(text), config: Record<string, unknown> = {}) {
  const sent: { url: string; headers: Headers; body: Json }[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    sent.push({ url: request.url, headers: request.headers, body: await request.json() });
    return respond();
  }) as typeof globalThis.fetch;
  const adapter = createGemini('gemini', { type: 'gemini', apiKey: 'AIza-test', ...config }, { env, fetch });
  const signal = new AbortController().signal;
  const chat = (body: Record<string, unknown>, model = 'gemini-2.5-flash') =>
    adapter.chat({
      body: chatRequest.parse({ model: 'g', messages: [{ role: 'user', content: 'Hello' }], ...body }),
      model,
      signal,
      requestId: 'req-g',
    });
  const embeddings = (body: Record<string, unknown>) =>
    adapter
      .embeddings({
        body: embeddingsRequest.parse({ model: 'e', ...body }),
        model: 'gemini-embedding-001',
        signal,
        requestId: 'req-e',
      })
      .then(parsed);
  return { sent, chat, embeddings };
}

async function completion(result: Promise<unknown>): Promise<ChatCompletion & Json> {
  const answer = (await result) as { kind: string; body: ChatCompletion };
  expect(answer.kind).toBe('json');
  expectOpenAIShape('CreateChatCompletionResponse', answer.body);
  return answer.body;
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' } },
      required: ['location'],
      additionalProperties: false,
    },
    strict: true,
  },
};

describe('gemini request translation', () => {
  it('posts contents to :generateContent with the API key header', async () => {
    const { sent, chat } = setup();
    await chat({});
    expect(sent[0]!.url).toBe(`${BASE}/models/gemini-2.5-flash:generateContent`);
    expect(sent[0]!.headers.get('x-goog-api-key')).toBe('AIza-test');
    expect(sent[0]!.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] });
  });

  it('keeps the model one path segment', async () => {
    const { sent, chat } = setup(undefined, { baseUrl: 'https://proxy.test/v1beta/' });
    await chat({}, 'models/gemini-2.5-pro');
    await chat({}, '../../v1/files?x=');
    expect(sent.map((s) => s.url)).toEqual([
      'https://proxy.test/v1beta/models/gemini-2.5-pro:generateContent',
      'https://proxy.test/v1beta/models/..%2F..%2Fv1%2Ffiles%3Fx%3D:generateContent',
    ]);
  });

  it('maps system messages, roles, and every generationConfig parameter', async () => {
    const { sent, chat } = setup();
    await chat({
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'One' },
        { role: 'user', content: [{ type: 'text', text: 'Two' }] },
        { role: 'assistant', content: 'Answer' },
        { role: 'developer', content: [{ type: 'text', text: 'French only.' }] },
        { role: 'user', content: 'Three' },
      ],
      temperature: 0.4,
      top_p: 0.8,
      top_k: 20,
      max_completion_tokens: 256,
      stop: ['END', 'STOP'],
      n: 2,
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: 0,
      user: 'u1',
      store: false,
    });
    expect(sent[0]!.body).toEqual({
      systemInstruction: { parts: [{ text: 'Be terse.' }, { text: 'French only.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'One' }, { text: 'Two' }] },
        { role: 'model', parts: [{ text: 'Answer' }] },
        { role: 'user', parts: [{ text: 'Three' }] },
      ],
      generationConfig: {
        temperature: 0.4,
        topP: 0.8,
        topK: 20,
        maxOutputTokens: 256,
        stopSequences: ['END', 'STOP'],
        candidateCount: 2,
        seed: 42,
        presencePenalty: 0.5,
      },
    });
  });

  it('replays a parallel tool round trip as functionCall / functionResponse parts', async () => {
    const { sent, chat } = setup();
    await chat({
      messages: [
        { role: 'user', content: 'Paris and Tokyo?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            {
              id: 'call_a',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
            },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_b', content: '{"time":"10:00"}' },
        { role: 'tool', tool_call_id: 'call_a', content: '18°C and sunny' },
        { role: 'user', content: 'Thanks' },
      ],
      tools: [weatherTool, { type: 'function', function: { name: 'get_time' } }],
      tool_choice: 'auto',
    });
    expect(sent[0]!.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Paris and Tokyo?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          {
            functionCall: { id: 'call_a', name: 'get_weather', args: { location: 'Paris' } },
            thoughtSignature: 'skip_thought_signature_validator',
          },
          { functionCall: { id: 'call_b', name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        // In the order of the calls (the client answered them the other way round), each by id.
        parts: [
          { functionResponse: { id: 'call_a', name: 'get_weather', response: { output: '18°C and sunny' } } },
          { functionResponse: { id: 'call_b', name: 'get_time', response: { time: '10:00' } } },
          { text: 'Thanks' },
        ],
      },
    ]);
    expect(sent[0]!.body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather',
            parametersJsonSchema: weatherTool.function.parameters,
          },
          { name: 'get_time' },
        ],
      },
    ]);
    expect(sent[0]!.body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
  });

  it('orders results by their calls across assistant messages that merge into one model turn', async () => {
    const { sent, chat } = setup();
    const call = (id: string, location: string) => ({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ location }) } },
      ],
    });
    await chat({
      messages: [
        { role: 'user', content: 'Paris and Tokyo?' },
        call('call_a', 'Paris'),
        call('call_b', 'Tokyo'),
        { role: 'tool', tool_call_id: 'call_b', content: 'rain' },
        { role: 'tool', tool_call_id: 'call_a', content: 'sun' },
      ],
      tools: [weatherTool],
    });
    const [, model, results] = sent[0]!.body.contents;
    expect(model.parts.map((p: Json) => p.functionCall.id)).toEqual(['call_a', 'call_b']);
    expect(results.parts.map((p: Json) => p.functionResponse.id)).toEqual(['call_a', 'call_b']);
  });

  it('sends each call back with the thought signature it carries, the placeholder only on a step with none', async () => {
    const { sent, chat } = setup();
    const call = (id: string, extra_content?: unknown) => ({
      id,
      type: 'function',
      function: { name: 'get_weather', arguments: '{}' },
      ...(extra_content === undefined ? {} : { extra_content }),
    });
    const signed = (thought_signature: unknown) => ({ google: { thought_signature } });
    const step = (...tool_calls: unknown[]) => [
      { role: 'assistant', content: null, tool_calls },
      ...tool_calls.map((c) => ({ role: 'tool', tool_call_id: (c as Json).id, content: 'sun' })),
    ];
    await chat({
      messages: [
        { role: 'user', content: 'Weather, step by step' },
        // Parallel calls: Gemini 3 signs only the first, and both go back as they came.
        ...step(call('call_a', signed('sigA')), call('call_b')),
        ...step(call('call_c', signed('sigC'))),
        // A client that kept no signature (or something else there): the placeholder, as before.
        ...step(call('call_d'), call('call_e')),
        ...step(call('call_f', signed(42)), call('call_g', { vertex: { thought_signature: 'x' } })),
      ],
      tools: [weatherTool],
    });
    const calls = (sent[0]!.body.contents as Json[])
      .flatMap((content) => content.parts)
      .filter((part: Json) => part.functionCall);
    expect(calls.map((part: Json) => [part.functionCall.id, part.thoughtSignature])).toEqual([
      ['call_a', 'sigA'],
      ['call_b', undefined],
      ['call_c', 'sigC'],
      ['call_d', 'skip_thought_signature_validator'],
      ['call_e', undefined],
      ['call_f', 'skip_thought_signature_validator'],
      ['call_g', undefined],
    ]);
    expect(calls[1]).not.toHaveProperty('thoughtSignature');
  });

  it("sends a tool result's images after the turn's results, never only its text", async () => {
    const { sent, chat } = setup();
    const shot = (id: string) => ({
      id,
      type: 'function',
      function: { name: 'screenshot', arguments: '{}' },
    });
    await chat({
      messages: [
        { role: 'user', content: 'Compare the pages' },
        { role: 'assistant', content: null, tool_calls: [shot('call_a'), shot('call_b')] },
        {
          role: 'tool',
          tool_call_id: 'call_b',
          content: [
            { type: 'text', text: 'Page B' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,QkJC' } },
          ],
        },
        {
          role: 'tool',
          tool_call_id: 'call_a',
          content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } }],
        },
      ],
      tools: [{ type: 'function', function: { name: 'screenshot' } }],
    });
    expect(sent[0]!.body.contents[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { id: 'call_a', name: 'screenshot', response: { output: '' } } },
        { functionResponse: { id: 'call_b', name: 'screenshot', response: { output: 'Page B' } } },
        // The results stay together, in the order of their calls; the media follow, as sent, each
        // tool's after a line naming its call (which screenshot is whose).
        { text: 'Returned by the screenshot call call_b:' },
        { inlineData: { mimeType: 'image/png', data: 'QkJC' } },
        { text: 'Returned by the screenshot call call_a:' },
        { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/a.jpg' } },
      ],
    });
  });

  it('maps every tool_choice to a functionCallingConfig', async () => {
    const { sent, chat } = setup();
    for (const tool_choice of ['none', 'required', { type: 'function', function: { name: 'get_weather' } }]) {
      await chat({ tools: [weatherTool], tool_choice });
    }
    await chat({ tools: [weatherTool] });
    expect(sent.map((s) => s.body.toolConfig)).toEqual([
      { functionCallingConfig: { mode: 'NONE' } },
      { functionCallingConfig: { mode: 'ANY' } },
      { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
      undefined,
    ]);
  });

  it('sends data: images inline, URL images as fileData with the type from the extension, and audio', async () => {
    const { sent, chat } = setup();
    await chat({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            { type: 'image_url', image_url: { url: 'https://example.com/photos/cat.PNG?size=large' } },
            { type: 'image_url', image_url: { url: `${BASE}/files/abc-123` } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
    });
    expect(sent[0]!.body.contents[0].parts).toEqual([
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
      { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/photos/cat.PNG?size=large' } },
      { fileData: { fileUri: `${BASE}/files/abc-123` } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });

  it('asks for JSON with responseMimeType and responseJsonSchema', async () => {
    const { sent, chat } = setup();
    const schema = { type: 'object', properties: { a: { type: 'number' } }, additionalProperties: false };
    await chat({
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema, strict: true } },
    });
    await chat({ response_format: { type: 'json_object' } });
    await chat({ response_format: { type: 'text' } });
    expect(sent.map((s) => s.body.generationConfig)).toEqual([
      { responseMimeType: 'application/json', responseJsonSchema: schema },
      { responseMimeType: 'application/json' },
      undefined,
    ]);
  });

  it('forwards native fields, merges a native generationConfig, and applies configured safetySettings', async () => {
    const safetySettings = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
    const { sent, chat } = setup(undefined, { safetySettings });
    await chat({
      temperature: 1,
      generationConfig: { thinkingConfig: { thinkingBudget: 0 } },
      cachedContent: 'c/1',
    });
    expect(sent[0]!.body).toMatchObject({
      safetySettings,
      cachedContent: 'c/1',
      generationConfig: { temperature: 1, thinkingConfig: { thinkingBudget: 0 } },
    });
  });

  it.each([
    [{ logprobs: true }, 'logprobs'],
    [{ top_logprobs: 2 }, 'top_logprobs'],
    [{ logit_bias: { '1': 5 } }, 'logit_bias'],
    [{ reasoning_effort: 'extreme' }, 'reasoning_effort'],
    [{ audio: { voice: 'alloy', format: 'mp3' } }, 'audio'],
    [{ temperature: 1, generationConfig: { temperature: 0.5 } }, 'generationConfig'],
    // Output sizes the reservation could not see: n and max_completion_tokens are counted.
    [{ generationConfig: { candidateCount: 8 } }, 'generationConfig.candidateCount'],
    [{ max_tokens: 100, generationConfig: { maxOutputTokens: 65536 } }, 'generationConfig.maxOutputTokens'],
    [{ generationConfig: { maxOutputTokens: 65536 } }, 'generationConfig.maxOutputTokens'],
    [{ messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] }, 'messages[0].tool_call_id'],
    [
      {
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/image' } }] },
        ],
      },
      'messages[0].content[0].image_url.url',
    ],
    [
      {
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }] },
        ],
      },
      'messages[0].content[0].image_url.url',
    ],
    [
      { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] },
      'messages[0].content[0].file',
    ],
  ])('refuses %j with a 400 naming %s', async (body, param) => {
    const { sent, chat } = setup();
    const error = await chat(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param });
    expect(sent).toHaveLength(0);
  });
});

describe('gemini response translation', () => {
  it('translates text, finish reason and usage (thoughts as completion, cached tokens)', async () => {
    const body = await completion(setup().chat({}));
    expect(body).toMatchObject({
      id: 'chatcmpl-req-g',
      object: 'chat.completion',
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Bonjour ! Comment ça va ?', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 19,
        total_tokens: 139,
        prompt_tokens_details: { cached_tokens: 100 },
        // Of the completion, what the model spent thinking, where OpenAI clients look for it.
        completion_tokens_details: { reasoning_tokens: 10 },
      },
    });
  });

  it('translates parallel function calls into tool_calls with generated ids', async () => {
    const body = await completion(setup(() => Response.json(tools)).chat({ tools: [weatherTool] }));
    const message = body.choices[0].message;
    expect(message.content).toBe('Checking both cities.');
    expect(message.tool_calls.map((c: Json) => [c.type, c.function.name, c.function.arguments])).toEqual([
      ['function', 'get_weather', '{"location":"Paris"}'],
      ['function', 'get_weather', '{"location":"Tokyo","unit":"celsius"}'],
    ]);
    const ids = message.tool_calls.map((c: Json) => c.id);
    expect(ids[0]).toMatch(/^call_[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(2);
    expect(body.choices[0].finish_reason).toBe('tool_calls');
  });

  it("carries a call's thought signature as its extra_content.google.thought_signature", async () => {
    const body = await completion(setup(() => Response.json(tools)).chat({ tools: [weatherTool] }));
    const [first, second] = body.choices[0].message.tool_calls;
    // Gemini 3 signs the first of parallel calls; the others carry none.
    expect(first.extra_content).toEqual({ google: { thought_signature: 'CiQB0e2Kb8Rk' } });
    expect(second).not.toHaveProperty('extra_content');
  });

  it('returns only the first call when parallel_tool_calls is false', async () => {
    const body = await completion(
      setup(() => Response.json(tools)).chat({ tools: [weatherTool], parallel_tool_calls: false }),
    );
    expect(body.choices[0].message.tool_calls).toHaveLength(1);
  });

  it('returns one choice per candidate', async () => {
    const body = await completion(setup(() => Response.json(n2)).chat({ n: 2 }));
    expect(body.choices.map((c: Json) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'One', 'stop'],
      [1, 'Two', 'length'],
    ]);
  });

  it('maps a SAFETY finish to content_filter', async () => {
    const body = await completion(setup(() => Response.json(safety)).chat({}));
    expect(body.choices[0]).toMatchObject({ message: { content: null }, finish_reason: 'content_filter' });
  });

  it('fails a tool call the model could not form, instead of answering an empty "stop"', async () => {
    const broken = {
      candidates: [{ index: 0, finishReason: 'MALFORMED_FUNCTION_CALL', content: { parts: [] } }],
    };
    await expect(setup(() => Response.json(broken)).chat({})).rejects.toMatchObject({
      name: 'UpstreamError',
      failure: 'server',
      message: 'gemini could not form a valid answer (MALFORMED_FUNCTION_CALL).',
    });
  });

  it('turns a blocked prompt into a 400-class error with code content_filter', async () => {
    await expect(setup(() => Response.json(blocked)).chat({})).rejects.toMatchObject({
      failure: 'caller',
      status: 400,
      message: 'gemini blocked the prompt (SAFETY).',
      options: { code: 'content_filter' },
    });
  });
});

describe('gemini errors', () => {
  it.each([
    ['api_key_invalid', 400, 'auth'],
    ['permission', 403, 'auth'],
    ['rate_limit', 429, 'rate_limit'],
    ['overloaded', 503, 'overloaded'],
    ['internal', 500, 'server'],
  ] as const)('classifies %s (HTTP %i) as %s, without the upstream words', async (name, status, failure) => {
    const { chat } = setup(() => Response.json(errors[name], { status, headers: { 'retry-after': '2' } }));
    const error = await chat({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UpstreamError', failure, status });
    expect((error as Error).message).toBe(`gemini answered HTTP ${status} (${errors[name].error.status}).`);
    if (failure === 'rate_limit') expect(error).toMatchObject({ options: { retryAfterMs: 2000 } });
  });

  it("passes a client's unusable file reference through as its error, not the gateway's credentials", async () => {
    const fileUrl = `${BASE}/files/abc123`;
    for (const [status, code, message] of [
      [400, 'FAILED_PRECONDITION', 'The File abc123 is not in an ACTIVE state and usage is not allowed.'],
      [403, 'PERMISSION_DENIED', 'You do not have permission to access the File abc123 or it may not exist.'],
    ] as const) {
      const { chat } = setup(() =>
        Response.json({ error: { code: status, message, status: code } }, { status }),
      );
      const content = [{ type: 'image_url', image_url: { url: fileUrl } }];
      await expect(chat({ messages: [{ role: 'user', content }] })).rejects.toMatchObject({
        name: 'UpstreamError',
        failure: 'caller',
        status,
        message,
      });
    }
    // The account's own precondition (billing, region) is still the gateway's.
    const region = {
      code: 400,
      message: 'User location is not supported for the API use.',
      status: 'FAILED_PRECONDITION',
    };
    const { chat } = setup(() => Response.json({ error: region }, { status: 400 }));
    await expect(chat({})).rejects.toMatchObject({ failure: 'auth', status: 400 });
  });

  it("takes a RESOURCE_EXHAUSTED answer's RetryInfo as its Retry-After", async () => {
    const body = {
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: 'Quota exceeded',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.QuotaFailure' },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37.5s' },
        ],
      },
    };
    const error = await setup(() => Response.json(body, { status: 429 }))
      .chat({})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'rate_limit', options: { retryAfterMs: 37_500 } });
  });

  it('passes caller errors through with the provider message, and flags context length', async () => {
    const invalid = setup(() => Response.json(errors.invalid, { status: 400 }));
    await expect(invalid.chat({})).rejects.toMatchObject({
      failure: 'caller',
      status: 400,
      message: errors.invalid.error.message,
      options: { code: null },
    });
    const tooLong = setup(() => Response.json(errors.too_long, { status: 400 }));
    await expect(tooLong.chat({})).rejects.toMatchObject({
      failure: 'caller',
      options: { code: 'context_length_exceeded' },
    });
    const notFound = setup(() => Response.json(errors.not_found, { status: 404 }));
    await expect(notFound.chat({})).rejects.toMatchObject({ failure: 'caller', status: 404 });
  });
});

describe('gemini embeddings', () => {
  it('calls :batchEmbedContents and answers in the OpenAI shape', async () => {
    const { sent, embeddings } = setup(() => Response.json(embed));
    const result = await embeddings({ input: ['one', 'two'], taskType: 'RETRIEVAL_DOCUMENT' });
    expect(sent[0]!.url).toBe(`${BASE}/models/gemini-embedding-001:batchEmbedContents`);
    expect(sent[0]!.body).toEqual({
      requests: [
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'one' }] },
          taskType: 'RETRIEVAL_DOCUMENT',
        },
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'two' }] },
          taskType: 'RETRIEVAL_DOCUMENT',
        },
      ],
    });
    expect(result.data).toEqual([
      { object: 'embedding', index: 0, embedding: [0.6, 0.8, 0] },
      { object: 'embedding', index: 1, embedding: [3, 0, 4] },
    ]);
    expect(result.usage).toBeUndefined(); // no count from Gemini: the route answers its estimate
  });

  it('maps dimensions to outputDimensionality, normalises, and encodes base64 as float32', async () => {
    const { sent, embeddings } = setup(() => Response.json(embed));
    const result = await embeddings({ input: ['one', 'two'], dimensions: 3, encoding_format: 'base64' });
    expect(sent[0]!.body.requests[0].outputDimensionality).toBe(3);
    const decode = (b64: string) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      return Array.from(new Float32Array(bytes.buffer));
    };
    const vectors = result.data.map((d) => decode(d.embedding as string));
    expect(vectors[0]![0]).toBeCloseTo(0.6);
    expect(vectors[1]).toEqual([Math.fround(0.6), 0, Math.fround(0.8)]);
  });

  it('splits more than 100 inputs into batches of 100 and joins the vectors in input order', async () => {
    const sent: number[][] = [];
    const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      const { requests } = JSON.parse(String(init?.body)) as {
        requests: { content: { parts: { text: string }[] } }[];
      };
      const numbers = requests.map((r) => Number(r.content.parts[0]!.text));
      sent.push(numbers);
      // Answered out of order in time: the last batch first.
      await new Promise((resolve) => setTimeout(resolve, numbers[0] === 0 ? 20 : 0));
      return Response.json({ embeddings: numbers.map((n) => ({ values: [n, 1] })) });
    }) as typeof globalThis.fetch;
    const adapter = createGemini('gemini', { type: 'gemini', apiKey: 'k' }, { env, fetch });
    const input = Array.from({ length: 250 }, (_, i) => String(i));
    const result = parsed(
      await adapter.embeddings({
        body: embeddingsRequest.parse({ model: 'e', input }),
        model: 'gemini-embedding-001',
        signal: new AbortController().signal,
        requestId: 'r',
      }),
    );
    expect(sent.map((batch) => batch.length)).toEqual([100, 100, 50]);
    expect(result.data.map((d) => (d.embedding as number[])[0])).toEqual(input.map(Number));
    expect(result.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
  });

  it('lets the other batches go when one fails', async () => {
    let abortedSlow = false;
    const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      const { requests } = JSON.parse(String(init?.body)) as {
        requests: { content: { parts: { text: string }[] } }[];
      };
      if (requests[0]!.content.parts[0]!.text === '100') {
        return Response.json(errors.internal, { status: 500 });
      }
      // The other batches hang until they are let go.
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          abortedSlow = true;
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    }) as typeof globalThis.fetch;
    const adapter = createGemini('gemini', { type: 'gemini', apiKey: 'k' }, { env, fetch });
    const input = Array.from({ length: 250 }, (_, i) => String(i));
    await expect(
      adapter.embeddings({
        body: embeddingsRequest.parse({ model: 'e', input }),
        model: 'gemini-embedding-001',
        signal: new AbortController().signal,
        requestId: 'r',
      }),
    ).rejects.toMatchObject({ failure: 'server', status: 500 });
    expect(abortedSlow).toBe(true);
  });

  it('refuses token-array input', async () => {
    await expect(setup().embeddings({ input: [1, 2, 3] })).rejects.toMatchObject({
      status: 400,
      param: 'input',
    });
  });
});
