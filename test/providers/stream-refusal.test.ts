// An upstream that refuses to stream ("Your organization must be verified to stream this model"):
// the call goes again unstreamed, and its answer reaches the client as the stream it asked for.
import { describe, expect, it, vi } from 'vitest';
import { chat, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import { json, onUpstream, recorded } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const REFUSAL = {
  error: {
    message:
      'Your organization must be verified to stream this model. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization.',
    type: 'invalid_request_error',
    param: 'stream',
    code: 'unsupported_value',
  },
};

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_760_000_000,
  model: 'o3-2025-04-16',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello!', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
};

async function setup(extra: Record<string, unknown> = {}) {
  const config = openaiConfig({
    ...extra,
    models: {
      o3: { targets: [{ provider: 'openai', model: 'o3' }] },
      codex: { targets: [{ provider: 'openai', model: 'gpt-5.1-codex' }] },
      o1: { targets: [{ provider: 'openai', model: 'o1' }] },
      'o3-pro': { targets: [{ provider: 'openai', model: 'o3-pro' }] },
      'gpt-5': { targets: [{ provider: 'openai', model: 'gpt-5' }] },
    },
    providers: {
      openai: {
        type: 'openai',
        baseUrl: OPENAI_URL,
        apiKey: 'sk-test-secret',
        responsesApi: ['gpt-5.1-codex'],
      },
    },
  });
  expect((await putConfig(config)).status).toBe(200);
  return (await createKey()).key;
}

describe('an upstream that refuses to stream', () => {
  it('is called again unstreamed, and the answer is replayed as the stream asked for', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, (_request, sent) =>
      (sent.body as Json).stream ? json(REFUSAL, 400) : json(completion),
    );
    const response = await chat(
      key,
      {
        model: 'o3',
        stream: true,
        messages: [{ role: 'user', content: 'Hi' }],
      },
      { 'x-request-id': 'unverified-org' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseEvents(text) as Json[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.map((e) => e.choices[0]?.delta?.content ?? '').join('')).toBe('Hello!');
    expect(events.at(-1).choices[0].finish_reason).toBe('stop');
    // The usage chunk only when asked for, as from a real stream; the log has the tokens either way.
    expect(events.some((e) => e.usage)).toBe(false);
    expect(recorded.map((r) => (r.body as Json).stream)).toEqual([true, false]);
    expect((recorded[1]!.body as Json).stream_options).toBeUndefined();
    const row = (await waitForRows(['unverified-org'])).get('unverified-org');
    expect(row).toMatchObject({ status: 200, stream: true, inputTokens: 9, outputTokens: 3 });
  });

  it('keeps the service tier the answer was served on: the stream says it, the row is charged at it', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, (_request, sent) =>
      (sent.body as Json).stream ? json(REFUSAL, 400) : json({ ...completion, service_tier: 'priority' }),
    );
    const response = await chat(
      key,
      { model: 'o3', stream: true, service_tier: 'priority', messages: [{ role: 'user', content: 'Hi' }] },
      { 'x-request-id': 'unverified-priority' },
    );
    const events = sseEvents(await response.text()) as Json[];
    // OpenAI's chunks name the tier, as its JSON answer does.
    for (const event of events) expect(event.service_tier).toBe('priority');
    const row = (await waitForRows(['unverified-priority'])).get('unverified-priority');
    expect(row?.usageDetail).toEqual({ serviceTier: 'priority' });
  });

  it('through the Responses API as well', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/responses`, (_request, sent) =>
      (sent.body as Json).stream
        ? json(REFUSAL, 400)
        : json({
            id: 'resp_1',
            object: 'response',
            created_at: 1_760_000_000,
            status: 'completed',
            model: 'gpt-5.1-codex',
            output: [
              { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] },
            ],
            usage: { input_tokens: 4, output_tokens: 2, total_tokens: 6 },
          }),
    );
    const response = await chat(key, {
      model: 'codex',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const events = sseEvents(await response.text()) as Json[];
    expect(events.map((e) => e.choices[0]?.delta?.content ?? '').join('')).toBe('Done.');
    expect(events.at(-1).usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 2 });
  });

  it('waits for the whole answer under the request timeout, not the first-byte one', async () => {
    const key = await setup({ timeouts: { firstByteMs: 200, requestMs: 5000 } });
    onUpstream(`${OPENAI_URL}/chat/completions`, async (_request, sent) => {
      if ((sent.body as Json).stream) return json(REFUSAL, 400);
      await new Promise((resolve) => setTimeout(resolve, 600)); // a model that thinks a while
      return json(completion);
    });
    const response = await chat(key, {
      model: 'o3',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(response.status).toBe(200);
    const events = sseEvents(await response.text()) as Json[];
    expect(events.map((e) => e.choices[0]?.delta?.content ?? '').join('')).toBe('Hello!');
  });

  it('other refusals, and refusals of unstreamed calls, pass through as before', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json(
        { error: { ...REFUSAL.error, message: 'Unsupported value: temperature', param: 'temperature' } },
        400,
      ),
    );
    const streamed = await chat(key, {
      model: 'o1',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(streamed.status).toBe(400);
    expect(((await streamed.json()) as Json).error.param).toBe('temperature');
    expect(recorded.map((r) => (r.body as Json).stream)).toEqual([true]);
  });

  it("is remembered: the model's next streams go unstreamed at once, for ten minutes", async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, (_request, sent) =>
      (sent.body as Json).stream ? json(REFUSAL, 400) : json(completion),
    );
    const streams = async (model: string) => {
      const response = await chat(key, { model, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
      const events = sseEvents(await response.text()) as Json[];
      expect(events.map((e) => e.choices[0]?.delta?.content ?? '').join('')).toBe('Hello!');
      return recorded.splice(0).map((r) => [(r.body as Json).model, (r.body as Json).stream]);
    };
    expect(await streams('o3-pro')).toEqual([
      ['o3-pro', true],
      ['o3-pro', false],
    ]);
    // No refused call first: one round trip, not two.
    expect(await streams('o3-pro')).toEqual([['o3-pro', false]]);
    // Another model of the same provider is asked for its stream.
    expect(await streams('gpt-5')).toEqual([
      ['gpt-5', true],
      ['gpt-5', false],
    ]);
    const now = Date.now();
    const later = vi.spyOn(Date, 'now').mockReturnValue(now + 10 * 60_000 + 1);
    try {
      // Verified since, perhaps: asked for its stream again.
      expect(await streams('o3-pro')).toEqual([
        ['o3-pro', true],
        ['o3-pro', false],
      ]);
    } finally {
      later.mockRestore();
    }
  });

  it('is forgotten when the config changes: a new API key may be a verified organisation', async () => {
    const config = openaiConfig({ models: { o4: { targets: [{ provider: 'openai', model: 'o4-mini' }] } } });
    expect((await putConfig(config)).status).toBe(200);
    onUpstream(`${OPENAI_URL}/chat/completions`, (_request, sent) =>
      (sent.body as Json).stream ? json(REFUSAL, 400) : json(completion),
    );
    const key = (await createKey()).key;
    const streams = async () => {
      const response = await chat(key, {
        model: 'o4',
        stream: true,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(response.status).toBe(200);
      await response.text();
      return recorded.splice(0).map((r) => [r.headers.get('authorization'), (r.body as Json).stream]);
    };
    expect(await streams()).toEqual([
      ['Bearer sk-test-secret', true],
      ['Bearer sk-test-secret', false],
    ]);
    expect(await streams()).toEqual([['Bearer sk-test-secret', false]]);
    // The provider's key replaced: its account is asked for the stream again.
    config.providers.openai.apiKey = 'sk-verified-org';
    expect((await putConfig(config)).status).toBe(200);
    expect(await streams()).toEqual([
      ['Bearer sk-verified-org', true],
      ['Bearer sk-verified-org', false],
    ]);
  });
});
