// Gemini requests and streams at the edges of what OpenAI clients send: tool results out of
// order, Gemini's own call ids, empty text, errors in a stream.
import { describe, expect, it } from 'vitest';
import { costOf, priceOf } from '../../src/pricing/cost';
import geminiText from '../fixtures/gemini/generate-text.json';
import { bytes, geminiAdapter, relayed, sse } from '../helpers/adapter';
import type { Json } from '../helpers/gateway';

const frames = (chunks: unknown[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join('');

describe('Gemini request edges', () => {
  const history = [
    { role: 'user', content: 'Weather in Paris and Tokyo?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'call_paris',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        },
        {
          id: 'call_tokyo',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
        },
      ],
    },
    // OpenAI pairs results by tool_call_id: a client may send them as they complete.
    { role: 'tool', tool_call_id: 'call_tokyo', content: '{"temp":25}' },
    { role: 'tool', tool_call_id: 'call_paris', content: '{"temp":18}' },
    { role: 'user', content: 'Which is warmer?' },
  ];

  it('sends tool results in the order of their calls, each with its call id', async () => {
    const { sent, chat } = geminiAdapter(() => Response.json(geminiText));
    await chat({ messages: history, tools: [{ type: 'function', function: { name: 'get_weather' } }] });
    const calls = sent[0].contents[1].parts.map((p: Json) => p.functionCall);
    expect(calls.map((c: Json) => c.id)).toEqual(['call_paris', 'call_tokyo']);
    const results = sent[0].contents[2].parts;
    expect(results.map((p: Json) => p.functionResponse?.id ?? p.text)).toEqual([
      'call_paris',
      'call_tokyo',
      'Which is warmer?',
    ]);
    expect(results[0].functionResponse.response).toEqual({ temp: 18 });
  });

  it("answers with Gemini's own functionCall id as the tool call id, JSON and streamed", async () => {
    const candidate = {
      content: {
        role: 'model',
        parts: [{ functionCall: { id: 'fc_abc123', name: 'get_weather', args: {} } }],
      },
      finishReason: 'STOP',
    };
    const tools = [{ type: 'function', function: { name: 'get_weather' } }];
    const json = geminiAdapter(() => Response.json({ candidates: [candidate] }));
    const answer = await json.chat({ tools });
    if (answer.kind !== 'json') throw new Error('json expected');
    expect((answer.body.choices[0] as Json).message.tool_calls[0].id).toBe('fc_abc123');
    const streamed = geminiAdapter(() => new Response(bytes(frames([{ candidates: [candidate] }])), sse));
    const result = await streamed.chat({ tools, stream: true });
    if (result.kind !== 'stream') throw new Error('stream expected');
    expect((await relayed(result.body)).text).toContain('"id":"fc_abc123"');
  });

  it('leaves out empty text parts, and a user message left with nothing', async () => {
    const { sent, chat } = geminiAdapter(() => Response.json(geminiText));
    await chat({
      messages: [
        { role: 'user', content: '' },
        {
          role: 'user',
          content: [
            { type: 'text', text: '' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(sent[0].contents).toHaveLength(1);
    expect(sent[0].contents[0].parts).toEqual([
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
    ]);
  });

  it('refuses an empty last user message, which left out would make the answer before it a prefill', async () => {
    const { sent, chat } = geminiAdapter(() => Response.json(geminiText));
    const messages = [
      { role: 'user', content: 'Tell me a story' },
      { role: 'assistant', content: 'Once upon a time' },
      { role: 'user', content: [{ type: 'text', text: '' }] },
    ];
    await expect(chat({ messages })).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      param: 'messages[2].content',
    });
    expect(sent).toHaveLength(0);
  });
});

describe('Gemini usage', () => {
  const answer = (usageMetadata: unknown) => ({ ...geminiText, usageMetadata });

  it('reports audio in the prompt, less what was read from a cache, for audio rates', async () => {
    const { chat } = geminiAdapter(() =>
      Response.json(
        answer({
          promptTokenCount: 1000,
          candidatesTokenCount: 10,
          cachedContentTokenCount: 100,
          promptTokensDetails: [
            { modality: 'TEXT', tokenCount: 100 },
            { modality: 'AUDIO', tokenCount: 900 },
          ],
          cacheTokensDetails: [{ modality: 'AUDIO', tokenCount: 100 }],
        }),
      ),
    );
    const result = await chat({});
    if (result.kind !== 'json') throw new Error('json expected');
    expect(result.body.usage?.prompt_tokens_details).toEqual({ cached_tokens: 100, audio_tokens: 800 });
    // 100 text × $0.30 + 800 audio × $1.00 + 100 cached × $0.075 + 10 out × $2.50 (per million)
    const flash = priceOf({ provider: 'gemini', model: 'gemini-2.5-flash' }, 'gemini', {});
    expect(costOf(result.body.usage, flash)).toBeCloseTo((30 + 800 + 7.5 + 25) / 1e6, 12);
  });

  it('reads modality lists of another shape as no audio, and keeps the usage', async () => {
    for (const promptTokensDetails of ['AUDIO', [null, 7, { modality: 'AUDIO', tokenCount: '9' }], {}]) {
      const { chat } = geminiAdapter(() =>
        Response.json(answer({ promptTokenCount: 50, candidatesTokenCount: 5, promptTokensDetails })),
      );
      const result = await chat({});
      if (result.kind !== 'json') throw new Error('json expected');
      expect(result.body.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 5 });
      expect(result.body.usage?.prompt_tokens_details?.audio_tokens).toBeUndefined();
    }
  });
});

describe('Gemini stream edges', () => {
  it('settles a stream that ends in an error chunk on the usage Gemini reported before it', async () => {
    const body = frames([
      {
        candidates: [{ content: { role: 'model', parts: [{ text: 'Start' }] } }],
        usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 1 },
      },
      { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } },
    ]);
    const { chat } = geminiAdapter(() => new Response(bytes(body), sse));
    const result = await chat({ stream: true });
    if (result.kind !== 'stream') throw new Error('stream expected');
    const { summary } = await relayed(result.body);
    expect(summary.errorCode).toBe('upstream_error');
    expect(summary.usage).toMatchObject({ prompt_tokens: 1000 });
  });

  it('keeps a mid-stream rate limit as rate_limit_exceeded', async () => {
    const body = frames([
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Start' }] } }] },
      { error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } },
    ]);
    const { chat } = geminiAdapter(() => new Response(bytes(body), sse));
    const result = await chat({ stream: true });
    if (result.kind !== 'stream') throw new Error('stream expected');
    expect((await relayed(result.body)).summary.errorCode).toBe('rate_limit_exceeded');
  });
});
