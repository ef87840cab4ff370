import { describe, expect, it } from 'vitest';
import {
  admin,
  call,
  chat,
  createKey,
  type Json,
  OPENAI_URL,
  openaiConfig,
  putConfig,
} from '../helpers/gateway';
import { settled } from '../helpers/settled';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

/** A config whose one model `alias` is `model` at an OpenAI-compatible service's preset. */
async function presetModel(alias: string, preset: string, model: string, apiKey?: string) {
  const provider = { type: 'openai', preset, ...(apiKey ? { apiKey } : {}) };
  const models = { [alias]: { targets: [{ provider: preset, model }] } };
  expect((await putConfig({ providers: { [preset]: provider }, models })).status).toBe(200);
}

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
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
};

async function setup() {
  expect((await putConfig(openaiConfig())).status).toBe(200);
  return (await createKey()).key;
}

describe('POST /v1/chat/completions', () => {
  it('forwards the body untouched except model, with the provider key, and relays the answer', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const response = await chat(
      key,
      { model: 'gpt', messages: [{ role: 'user', content: 'hello' }], seed: 7, foo_bar: 1, temperature: 0.2 },
      { 'x-request-id': 'my-req-1' },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(completion);
    // The client's id is echoed; the gateway's own id (the log row's) comes beside it.
    expect(response.headers.get('x-request-id')).toBe('my-req-1');
    expect(response.headers.get('x-tollgate-request-id')).toMatch(/^req_[\w-]{16}$/);
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');
    expect(response.headers.get('x-tollgate-model')).toBe('gpt-4o-mini');
    expect(response.headers.get('x-tollgate-attempts')).toBe('1');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hello' }],
      seed: 7,
      foo_bar: 1,
      temperature: 0.2,
    });
    expect(recorded[0]?.headers.get('authorization')).toBe('Bearer sk-test-secret');
  });

  it('answers 400 naming tool_choice when it asks for a tool call without tools, as OpenAI does', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const ask = (tool_choice: unknown, extra: Record<string, unknown> = {}) =>
      chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'hello' }], tool_choice, ...extra });
    const forcing = [
      'required',
      { type: 'function', function: { name: 'f' } },
      { type: 'custom', custom: { name: 'f' } },
      { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } },
    ];
    for (const choice of forcing) {
      for (const extra of [{}, { tools: [] }]) {
        const response = await ask(choice, extra);
        expect(response.status).toBe(400);
        const { error } = await response.json<Json>();
        expect(error).toMatchObject({ type: 'invalid_request_error', param: 'tool_choice' });
        expect(error.message).toContain("tool_choice is only allowed when 'tools' are specified");
      }
    }
    expect(recorded).toHaveLength(0);
    // "none" and "auto" ask for no call: they need no tools.
    for (const choice of ['none', 'auto']) expect((await ask(choice)).status).toBe(200);
    expect(recorded).toHaveLength(2);
  });

  it('passes custom tools over a target without them to an OpenAI one; a 400 naming tools when none has them', async () => {
    const mock = { provider: 'mock', model: 'mock-1' };
    const models = {
      m: { targets: [mock, { provider: 'openai', model: 'gpt-5' }] },
      only: { targets: [mock] },
    };
    expect((await putConfig(openaiConfig({ models }))).status).toBe(200);
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const tools = [{ type: 'custom', custom: { name: 'apply_patch' } }];
    const ask = (model: string) => chat(key, { model, messages: [{ role: 'user', content: 'fix' }], tools });
    const served = await ask('m');
    expect(served.status).toBe(200);
    expect(served.headers.get('x-tollgate-provider')).toBe('openai');
    expect((recorded[0]!.body as Json).tools).toEqual(tools);
    const refused = await ask('only');
    expect(refused.status).toBe(400);
    const { error } = await refused.json<Json>();
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'tools' });
    expect(error.message).toBe("The mock provider does not support custom tools ('apply_patch').");
    expect(recorded).toHaveLength(1);
  });

  it('passes content a provider cannot take (audio at Anthropic) over to the next target; a 400 naming the part when none can', async () => {
    const claude = { provider: 'anthropic', model: 'claude-sonnet-4-5' };
    const models = {
      m: { targets: [claude, { provider: 'openai', model: 'gpt-4o-audio-preview' }] },
      only: { targets: [claude] },
    };
    const config = openaiConfig({ models });
    config.providers = {
      ...config.providers,
      anthropic: { type: 'anthropic', apiKey: 'sk-ant-test' },
    } as never;
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const content = [
      { type: 'text', text: 'what is said?' },
      { type: 'input_audio', input_audio: { data: 'UklGRgAAAABXQVZF', format: 'wav' } },
    ];
    const ask = (model: string) => chat(key, { model, messages: [{ role: 'user', content }] });
    const served = await ask('m');
    expect(served.status).toBe(200);
    expect(served.headers.get('x-tollgate-provider')).toBe('openai');
    const refused = await ask('only');
    expect(refused.status).toBe(400);
    const { error } = await refused.json<Json>();
    expect(error).toMatchObject({
      type: 'invalid_request_error',
      message: 'Anthropic models do not accept audio input.',
    });
    expect(error.param).toContain('messages');
    expect(recorded).toHaveLength(1);
  });

  it("does not follow a provider's redirect (its key headers would go along): a failed attempt, and the next target serves", async () => {
    const models = {
      m: {
        targets: [
          { provider: 'openai', model: 'gpt-4o' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
      only: { targets: [{ provider: 'openai', model: 'gpt-4o' }] },
    };
    expect((await putConfig(openaiConfig({ models }))).status).toBe(200);
    const { key } = await createKey();
    const redirects: string[] = [];
    onUpstream(`${OPENAI_URL}/chat/completions`, (request) => {
      redirects.push(request.redirect);
      return new Response(null, {
        status: 307,
        headers: { location: 'https://elsewhere.test/v1/chat/completions' },
      });
    });
    const served = await chat(key, { model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-tollgate-provider')).toBe('mock');
    const failed = await chat(key, { model: 'only', messages: [{ role: 'user', content: 'hi' }] });
    expect(failed.status).toBe(502);
    expect((await failed.json<Json>()).error.code).toBe('upstream_error');
    expect(redirects).toEqual(['manual', 'manual']);
  });

  it('sends Mistral no stream_options (it refuses them) and still reads usage from its last chunk', async () => {
    await presetModel('m', 'mistral', 'mistral-small-latest', 'k');
    const { key } = await createKey();
    const last = {
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'mistral-small-latest',
      choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 },
    };
    onUpstream('https://api.mistral.ai/v1/chat/completions', () =>
      sse([`data: ${JSON.stringify(last)}\n\n`, 'data: [DONE]\n\n']),
    );
    for (const stream_options of [undefined, { include_usage: true }]) {
      const response = await chat(key, {
        model: 'm',
        stream: true,
        stream_options,
        messages: [{ role: 'user', content: 'x' }],
      });
      const text = await response.text();
      expect(text.includes('"usage":{')).toBe(stream_options !== undefined); // as the client asked
    }
    for (const sent of recorded) expect(sent.body).not.toHaveProperty('stream_options');

    // OpenAI's fields that Mistral refuses (422) go under its names, or not at all.
    recorded.length = 0;
    const done = await chat(key, {
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
      max_completion_tokens: 50,
      seed: 3,
      user: 'end-user-1',
      store: false,
    });
    await done.text();
    expect(recorded[0]!.body).toMatchObject({ max_tokens: 50, random_seed: 3 });
    for (const field of ['max_completion_tokens', 'seed', 'user', 'store'])
      expect(recorded[0]!.body).not.toHaveProperty(field);

    // Any mistral.ai host (Codestral's own), and an explicit setting either way.
    const put = async (provider: Record<string, unknown>) =>
      putConfig({
        providers: { p: { type: 'openai', apiKey: 'k', ...provider } },
        models: { m: { targets: [{ provider: 'p', model: 'codestral-latest' }] } },
      });
    const streamOptionsWith = async (provider: Record<string, unknown>, url: string) => {
      expect((await put(provider)).status).toBe(200);
      recorded.length = 0;
      onUpstream(url, () => sse([`data: ${JSON.stringify(last)}\n\n`, 'data: [DONE]\n\n']));
      await (
        await chat(key, { model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] })
      ).text();
      return (recorded[0]!.body as { stream_options?: unknown }).stream_options;
    };
    expect(
      await streamOptionsWith(
        { baseUrl: 'https://codestral.mistral.ai/v1' },
        'https://codestral.mistral.ai/v1',
      ),
    ).toBeUndefined();
    expect(
      await streamOptionsWith(
        { baseUrl: 'https://proxy.example/mistral', streamUsage: false },
        'https://proxy.example/mistral',
      ),
    ).toBeUndefined();
    expect(await streamOptionsWith({ baseUrl: 'https://llm.example/v1' }, 'https://llm.example/v1')).toEqual({
      include_usage: true,
    });
  });

  it("sends Mistral's embeddings its own field names", async () => {
    await presetModel('e', 'mistral', 'mistral-embed', 'k');
    const key = (await createKey()).key;
    onUpstream('https://api.mistral.ai/v1/embeddings', () =>
      json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }], model: 'x' }),
    );
    const response = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'e', input: 'x', dimensions: 256, user: 'u' }),
    });
    expect(response.status).toBe(200);
    expect(recorded[0]!.body).toEqual({ model: 'mistral-embed', input: 'x', output_dimension: 256 });
  });

  it('keeps a query string in a baseUrl (a proxy key) after the path, for chat and embeddings', async () => {
    const provider = { type: 'openai', apiKey: 'k', baseUrl: 'https://proxy.example/v1/?key=abc' };
    const models = { m: { targets: [{ provider: 'p', model: 'x' }] } };
    expect((await putConfig({ providers: { p: provider }, models })).status).toBe(200);
    const key = (await createKey()).key;
    onUpstream('https://proxy.example/v1/chat/completions?', () => json(completion));
    onUpstream('https://proxy.example/v1/embeddings?', () =>
      json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }], model: 'x' }),
    );
    expect((await chat(key, { model: 'm', messages: [{ role: 'user', content: 'x' }] })).status).toBe(200);
    const embedded = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'x' }),
    });
    expect(embedded.status).toBe(200);
    for (const sent of recorded) expect(new URL(sent.url).searchParams.get('key')).toBe('abc');
    expect(recorded).toHaveLength(2);
  });

  it('with limits.enforceMaxTokens, sends the reserved cap to a request that sets none, in each service’s field', async () => {
    const anthropicAnswer = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [{ type: 'text', text: 'Hi' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 3, output_tokens: 1 },
    };
    const config = (enforceMaxTokens: boolean) =>
      putConfig({
        providers: {
          openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'k' },
          official: { type: 'openai', apiKey: 'k' },
          eu: { type: 'openai', baseUrl: 'https://eu.api.openai.com/v1', apiKey: 'k' },
          groq: { type: 'openai', preset: 'groq', apiKey: 'k' },
          azure: { type: 'azure-openai', resourceName: 'contoso', apiKey: 'k', apiVersion: '2024-06-01' },
          claude: { type: 'anthropic', apiKey: 'k' },
        },
        models: {
          official: { targets: [{ provider: 'official', model: 'o3' }] },
          eu: { targets: [{ provider: 'eu', model: 'o3' }] },
          groq: { targets: [{ provider: 'groq', model: 'llama-3.3-70b-versatile' }] },
          azure: { targets: [{ provider: 'azure', model: 'gpt4o' }] },
          claude: { targets: [{ provider: 'claude', model: 'claude-haiku-4-5' }] },
        },
        limits: { defaultMaxTokens: 300, enforceMaxTokens },
        cache: { exact: { enabled: false } },
      });
    expect((await config(true)).status).toBe(200);
    const { key } = await createKey();
    onUpstream('https://api.openai.com/v1/chat/completions', () => json(completion));
    onUpstream('https://api.groq.com/openai/v1/chat/completions', () => json(completion));
    onUpstream('https://eu.api.openai.com/v1/chat/completions', () => json(completion));
    onUpstream(
      'https://contoso.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-06-01',
      () => json(completion),
    );
    onUpstream('https://api.anthropic.com/v1/messages', () => json(anthropicAnswer));
    const sentFor = async (model: string, extra: object = {}) => {
      recorded.length = 0;
      const response = await chat(key, { model, messages: [{ role: 'user', content: 'hi' }], ...extra });
      expect(response.status).toBe(200);
      return recorded[0]!.body as Record<string, unknown>;
    };
    // OpenAI itself (whose reasoning models refuse max_tokens), and Azure from 2024-09-01 on, take
    // the newer field; other services and older Azure versions max_tokens; Anthropic its own.
    expect(await sentFor('official')).toMatchObject({ max_completion_tokens: 300 });
    expect(await sentFor('official')).not.toHaveProperty('max_tokens');
    expect(await sentFor('eu')).toMatchObject({ max_completion_tokens: 300 }); // OpenAI's EU host
    expect(await sentFor('groq')).toMatchObject({ max_tokens: 300 });
    expect(await sentFor('groq')).not.toHaveProperty('max_completion_tokens');
    expect(await sentFor('azure')).toMatchObject({ max_tokens: 300 });
    expect(await sentFor('claude')).toMatchObject({ max_tokens: 300 });
    // A request's own cap is its own, as sent; and without the setting nothing is added.
    expect(await sentFor('groq', { max_completion_tokens: 50 })).toEqual(
      expect.objectContaining({ max_completion_tokens: 50 }),
    );
    expect(await sentFor('official', { max_tokens: 20 })).not.toHaveProperty('max_completion_tokens');
    expect((await config(false)).status).toBe(200);
    const free = await sentFor('official');
    expect(free).not.toHaveProperty('max_completion_tokens');
    expect(free).not.toHaveProperty('max_tokens');
    expect(await sentFor('claude')).toMatchObject({ max_tokens: 4096 }); // the adapter's own default
  });

  it("sends DeepSeek and Ollama a client's max_completion_tokens as max_tokens, which is all they heed", async () => {
    await presetModel('d', 'deepseek', 'deepseek-chat', 'k');
    const { key } = await createKey();
    onUpstream('https://api.deepseek.com/v1/chat/completions', () => json(completion));
    const sentWith = async (extra: object) => {
      recorded.length = 0;
      expect(
        (await chat(key, { model: 'd', messages: [{ role: 'user', content: 'hi' }], ...extra })).status,
      ).toBe(200);
      return recorded[0]!.body as Record<string, unknown>;
    };
    const capped = await sentWith({ max_completion_tokens: 50, max_tokens: 80 });
    expect(capped).toMatchObject({ max_tokens: 50 });
    expect(capped).not.toHaveProperty('max_completion_tokens');
    expect(await sentWith({ max_tokens: 80 })).toMatchObject({ max_tokens: 80 });
    const free = await sentWith({});
    expect(free).not.toHaveProperty('max_tokens');
    expect(free).not.toHaveProperty('max_completion_tokens');
    // Ollama's OpenAI API too.
    await presetModel('d', 'ollama', 'llama3.2');
    onUpstream('http://localhost:11434/v1/chat/completions', () => json(completion));
    const local = await sentWith({ max_completion_tokens: 40 });
    expect(local).toMatchObject({ max_tokens: 40 });
    expect(local).not.toHaveProperty('max_completion_tokens');
  });

  it('with n: 2, ends a stream closed after one choice finished as cut short, not with [DONE]', async () => {
    const key = await setup();
    const frame = (index: number, finish: string | null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index, delta: { content: 'x' }, finish_reason: finish }] })}\n\n`;
    // No [DONE]: the provider closed with choice 1 unfinished.
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([frame(0, null), frame(1, null), frame(0, 'stop')]),
    );
    const response = await chat(key, {
      model: 'gpt',
      stream: true,
      n: 2,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const text = await response.text();
    expect(text).not.toContain('[DONE]');
    expect(text).toContain('before its answer was complete');
  });

  it("keeps the gateway's own thinking_blocks from OpenAI-compatible providers", async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const messages = [
      { role: 'user', content: 'x' },
      {
        role: 'assistant',
        content: 'y',
        reasoning_content: 't', // the gateway's copy of the blocks' text goes too
        thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 's' }],
      },
      { role: 'user', content: 'z' },
    ];
    expect((await chat(key, { model: 'gpt', messages })).status).toBe(200);
    expect((recorded[0]!.body as { messages: unknown[] }).messages).toEqual([
      messages[0],
      { role: 'assistant', content: 'y' },
      messages[2],
    ]);
  });

  it('charges an answer whose usage report is broken or missing by estimate, and never locks its key out', async () => {
    await setup();
    const { key, id } = await createKey({ limits: { tpm: 100_000 }, budget: { usd: 100, period: 'month' } });
    const answers = [
      { ...completion, usage: { completion_tokens: 5, total_tokens: 12 } }, // no prompt_tokens
      { ...completion, usage: { prompt_tokens: 'many' } }, // not a count at all
      { ...completion, usage: undefined }, // none
    ];
    let call = 0;
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(answers[call++ % answers.length]));
    for (let i = 0; i < 6; i++) {
      const response = await chat(key, {
        model: 'gpt',
        messages: [{ role: 'user', content: `question ${i}` }],
      });
      expect(response.status).toBe(200); // a NaN bucket refused everything after the first
    }
    await settled();
    const usage = (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage;
    expect(Number.isFinite(usage.spendUsd)).toBe(true);
    expect(usage.spendUsd).toBeGreaterThan(0); // estimated, not free
    expect(Number.isFinite(usage.tpm.remaining)).toBe(true);
  });

  it("estimates an answer without usage at no more than the request's max_tokens (JSON and stream)", async () => {
    const key = await setup();
    const text = '-'.repeat(160); // ~40 tokens by the 4-characters estimate, but max_tokens is 10
    const answer = { ...completion, usage: undefined };
    answer.choices = [
      { ...completion.choices[0]!, message: { ...completion.choices[0]!.message, content: text } },
    ];
    const frame = (content: string, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: finish }] })}\n\n`;
    let call = 0;
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      call++ === 0
        ? json(answer)
        : sse([
            ...Array.from({ length: 10 }, () => frame('-'.repeat(16))),
            frame('', 'stop'),
            'data: [DONE]\n\n',
          ]),
    );
    const ask = { model: 'gpt', max_tokens: 10, messages: [{ role: 'user', content: 'dashes' }] };
    const plain = await chat(key, ask);
    expect(plain.status).toBe(200);
    const streamed = await chat(key, { ...ask, stream: true });
    await streamed.text();
    const ids = [plain, streamed].map((r) => r.headers.get('x-request-id')!);
    const rows = await waitForRows(ids, 8000, 'id');
    for (const id of ids) {
      expect(rows.get(id)!.outputTokens, id).toBe(10);
      expect(rows.get(id)!.usageDetail, id).toEqual({ estimated: true }); // the row says so
    }
  });

  it('accepts provider/model addressing and generates a request id', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const response = await chat(key, { model: 'openai/gpt-4.1', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(200);
    expect((recorded[0]!.body as { model: string }).model).toBe('gpt-4.1');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(response.headers.get('x-tollgate-request-id')).toBe(response.headers.get('x-request-id'));
  });

  it('streams chunk by chunk, asks upstream for usage and hides it when the client did not', async () => {
    const key = await setup();
    const chunk = (content: string) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }], usage: null })}\n\n`;
    const usage = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`;
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([chunk('Hel'), chunk('lo'), usage, 'data: [DONE]\n\n']),
    );

    const response = await chat(key, {
      model: 'gpt',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect((recorded[0]!.body as { stream_options: unknown }).stream_options).toEqual({
      include_usage: true,
    });

    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const pieces: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pieces.push(decoder.decode(value));
    }
    const events = pieces.join('').split('\n\n').filter(Boolean);
    expect(events).toHaveLength(3);
    expect(JSON.parse(events[0]!.slice(6)).choices[0].delta.content).toBe('Hel');
    expect(JSON.parse(events[1]!.slice(6)).choices[0].delta.content).toBe('lo');
    expect(events[2]).toBe('data: [DONE]');
    // Delivered incrementally: more than one read, not one buffered blob.
    expect(pieces.length).toBeGreaterThan(1);
  });

  it('keeps the usage chunk when the client asked for it', async () => {
    const key = await setup();
    const response = await chat(key, {
      model: 'fast',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count these words' }],
    });
    const text = await response.text();
    const events = text.split('\n\n').filter(Boolean);
    const usageEvent = JSON.parse(events.at(-2)!.slice(6));
    expect(usageEvent.choices).toEqual([]);
    expect(usageEvent.usage.completion_tokens).toBe(6);
    expect(events.at(-1)).toBe('data: [DONE]');
  });

  it('passes a provider 400 through with its message', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json(
        {
          error: {
            message: "Unsupported value: 'temperature'",
            type: 'invalid_request_error',
            param: 'temperature',
            code: 'unsupported_value',
          },
        },
        400,
      ),
    );
    const response = await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: "Unsupported value: 'temperature'",
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'unsupported_value',
      },
    });
  });

  it('turns a provider 500 into a 502 that leaks nothing of the upstream body', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json({ error: { message: 'internal trace sk-test-secret' } }, 500),
    );
    const response = await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(text).not.toContain('sk-test-secret');
    expect(text).not.toContain('internal trace');
    expect(JSON.parse(text).error).toMatchObject({ type: 'api_error', code: 'upstream_error', param: null });
    expect(JSON.parse(text).error.message).toContain('openai/gpt-4o-mini');
  });

  it('turns a network failure into a 502', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => {
      throw new TypeError('connection refused');
    });
    const response = await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(502);
    expect((await response.json<Json>()).error.code).toBe('upstream_error');
  });

  it('fails over to the next target when the first fails', async () => {
    const config = openaiConfig();
    config.models.gpt.targets.push({ provider: 'mock', model: 'mock-1' });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json({ error: { message: 'overloaded' } }, 503));
    const response = await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    expect(Number(response.headers.get('x-tollgate-attempts'))).toBeGreaterThanOrEqual(2);
  });

  it('names the missing secret when a provider key is an unset env reference', async () => {
    const config = openaiConfig();
    config.providers.openai.apiKey = 'env:NOT_SET_ANYWHERE';
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    const response = await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(502);
    expect((await response.json<Json>()).error.message).toContain('not configured');
  });

  it('does not blame a secret for a Workers AI provider without its binding (wrangler dev has none)', async () => {
    const config = openaiConfig();
    Object.assign(config.providers, { cf: { type: 'workers-ai' } });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    const response = await chat(key, {
      model: 'cf/@cf/meta/llama-3.1-8b-instruct',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(response.status).toBe(502);
    const { error } = await response.json<Json>();
    expect(error.message).toContain('cf/@cf/meta/llama-3.1-8b-instruct: not configured');
    expect(error.message).toContain('binding');
  });
});

describe('bad input', () => {
  const valid = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };

  const cases: [string, unknown, number, string | null][] = [
    ['malformed JSON', '{"model": "fast", ', 400, null],
    ['messages as a string', { model: 'fast', messages: 'hi' }, 400, 'messages'],
    ['temperature as a string', { ...valid, temperature: 'x' }, 400, 'temperature'],
    ['missing model', { messages: valid.messages }, 400, 'model'],
    ['missing messages', { model: 'fast' }, 400, 'messages'],
    ['empty messages', { model: 'fast', messages: [] }, 400, 'messages'],
    [
      'an unknown role',
      { model: 'fast', messages: [{ role: 'wizard', content: 'x' }] },
      400,
      'messages[0].role',
    ],
    ['a JSON array body', [1, 2], 400, null],
    ['an empty body', '', 400, null],
  ];
  for (const [name, body, status, param] of cases) {
    it(`rejects ${name} with ${status}`, async () => {
      const { key } = await createKey();
      const response = await chat(key, body);
      expect(response.status).toBe(status);
      const error = (await response.json<Json>()).error;
      expect(error.type).toBe('invalid_request_error');
      expect(error.param).toBe(param);
      expect(typeof error.message).toBe('string');
    });
  }

  it('asks to lower the output cap the request set, max_completion_tokens or max_tokens, when over budget', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { key } = await createKey({ budget: { usd: 0.000001, period: 'month' } });
    for (const [cap, field] of [
      [{ max_completion_tokens: 100_000 }, 'max_completion_tokens'],
      [{ max_tokens: 100_000 }, 'max_tokens'],
      [{ max_completion_tokens: 10, max_tokens: 100_000 }, 'max_tokens'],
      [{}, 'max_tokens'],
    ] as const) {
      const response = await chat(key, { model: 'gpt', messages: valid.messages, ...cap });
      expect(response.status).toBe(402);
      expect((await response.json<Json>()).error.message).toContain(`Lower ${field} or raise the budget.`);
    }
    expect(recorded).toHaveLength(0);
  });

  it('answers 404 model_not_found for an unknown model', async () => {
    const { key } = await createKey();
    const response = await chat(key, { ...valid, model: 'no-such-model' });
    expect(response.status).toBe(404);
    expect((await response.json<Json>()).error).toMatchObject({ code: 'model_not_found', param: 'model' });
  });

  it('refuses a model name with a control character (400) before the provider is called and paid', async () => {
    // Served, its name would go in x-tollgate-model, which cannot hold a line break: a 500 after
    // the provider's answer, with nothing charged to the key's budget.
    expect((await putConfig(openaiConfig())).status).toBe(200);
    onUpstream(OPENAI_URL, () => json(completion));
    const { key } = await createKey({ budget: { usd: 100, period: 'total' } });
    for (const model of ['openai/gpt-4o\nx', 'openai/gpt-4o\r\nx-evil: 1', 'openai/gpt\u0000']) {
      const response = await chat(key, { ...valid, model });
      expect(response.status).toBe(400);
      expect((await response.json<Json>()).error).toMatchObject({
        type: 'invalid_request_error',
        param: 'model',
      });
    }
    const embedded = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/text\nx', input: 'hi' }),
    });
    expect(embedded.status).toBe(400);
    expect(recorded).toEqual([]);
  });

  it('tells which models exist only to a live key: a made-up or revoked one gets its 401 first', async () => {
    const madeUp = `tg-${'A'.repeat(32)}`;
    for (const model of ['no-such-model', 'fast']) {
      const response = await chat(madeUp, { ...valid, model });
      expect(response.status, model).toBe(401);
      expect((await response.json<Json>()).error.code).toBe('invalid_api_key');
    }
    const { id, key } = await createKey();
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
    expect((await chat(key, { ...valid, model: 'no-such-model' })).status).toBe(401);
    const embedded = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${madeUp}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-such-model', input: 'x' }),
    });
    expect(embedded.status).toBe(401);
  });

  it('answers 403 model_not_allowed outside the key allowlist', async () => {
    const { key } = await createKey({ models: ['smart'] });
    const response = await chat(key, valid);
    expect(response.status).toBe(403);
    expect((await response.json<Json>()).error).toMatchObject({
      code: 'model_not_allowed',
      type: 'permission_error',
    });
    expect((await chat(key, { ...valid, model: 'smart' })).status).toBe(200);
  });

  it('allows a provider wildcard in the allowlist', async () => {
    const { key } = await createKey({ models: ['mock/*'] });
    expect((await chat(key, { ...valid, model: 'mock/mock-1' })).status).toBe(200);
    expect((await chat(key, valid)).status).toBe(403);
  });

  it('answers 413 for an oversized body', async () => {
    const { key } = await createKey();
    const huge = JSON.stringify({
      ...valid,
      messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }],
    });
    const response = await chat(key, huge);
    expect(response.status).toBe(413);
    expect((await response.json<Json>()).error).toMatchObject({
      code: 'request_too_large',
      type: 'invalid_request_error',
    });
  });

  const keyCases: [string, Record<string, string>, string][] = [
    ['a missing key', {}, "didn't provide"],
    ['a garbled key', { authorization: 'Bearer not-a-key' }, 'Incorrect API key'],
    ['an unknown well-formed key', { authorization: `Bearer tg-${'A'.repeat(32)}` }, 'Incorrect API key'],
    ['a non-bearer authorization', { authorization: 'Basic Zm9vOmJhcg==' }, 'Incorrect API key'],
  ];
  for (const [name, headers, message] of keyCases) {
    it(`answers 401 for ${name}`, async () => {
      const response = await call('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(valid),
      });
      expect(response.status).toBe(401);
      const error = (await response.json<Json>()).error;
      expect(error).toMatchObject({ code: 'invalid_api_key', type: 'authentication_error', param: null });
      expect(error.message).toContain(message);
    });
  }

  it('accepts the key in x-api-key', async () => {
    const { key } = await createKey();
    const response = await call('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify(valid),
    });
    expect(response.status).toBe(200);
  });

  it('rejects an expired key', async () => {
    const { key, id } = await createKey({ expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await chat(key, valid)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const response = await chat(key, valid);
    expect(response.status).toBe(401);
    expect((await response.json<Json>()).error.message).toContain('expired');
    expect(id).toMatch(/^key_/);
  });

  it('answers unknown routes with an OpenAI-shaped 404', async () => {
    const response = await call('/v2/whatever');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        message: 'Unknown route: GET /v2/whatever',
        type: 'invalid_request_error',
        param: null,
        code: 'not_found',
      },
    });
  });

  it('answers a known path asked with the wrong method with a 405 naming the allowed ones', async () => {
    const { key } = await createKey();
    const auth = { authorization: `Bearer ${key}` };
    const get = await call('/v1/chat/completions', { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toEqual({
      error: {
        message: 'Method GET is not allowed on /v1/chat/completions; use POST.',
        type: 'invalid_request_error',
        param: null,
        code: 'method_not_allowed',
      },
    });
    const put = await call('/admin/keys/key_abc', {
      method: 'PUT',
      headers: { authorization: 'Bearer test-admin-token' },
    });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('DELETE, GET, PATCH');
    // A model id with a slash is one path parameter (/:id{.+}).
    const post = await call('/v1/models/mock/mock-1', { method: 'POST', headers: auth });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    // A path that does not exist stays a 404 whatever the method.
    expect((await call('/v1/chat/nothing', { method: 'POST', headers: auth })).status).toBe(404);
  });
});
