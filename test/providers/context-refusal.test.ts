// A prompt that fits the context window but not beside the cap asked, which OpenAI-style services
// refuse where they could clamp the cap: the call goes again capped at what the window leaves, once;
// a prompt the window cannot hold still fails over to a larger window as context_length_exceeded.
import { describe, expect, it } from 'vitest';
import { chat, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const CHAT = `${OPENAI_URL}/chat/completions`;

/** OpenAI's refusal of `prompt` + `asked` past a window of `context` (DeepSeek's: its own code, no param). */
const OVERFLOW = (context: number, prompt: number, asked: number, deepseek = false) => ({
  error: {
    message: `This model's maximum context length is ${context} tokens. However, you requested ${prompt + asked} tokens (${prompt} in the messages, ${asked} in the completion). Please reduce the length of the messages or completion.`,
    type: 'invalid_request_error',
    param: deepseek ? null : 'messages',
    code: deepseek ? 'invalid_request_error' : 'context_length_exceeded',
  },
});

const completion = (model: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_760_000_000,
  model,
  choices: [
    { index: 0, message: { role: 'assistant', content: 'Hi' }, logprobs: null, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
});

/** `long`: gpt-4o (128k window), then gpt-4.1 (1M) for a prompt gpt-4o cannot hold. */
async function setup(limits: Record<string, unknown> = {}) {
  const config = openaiConfig({
    models: {
      long: {
        targets: [
          { provider: 'openai', model: 'gpt-4o', contextWindow: 128_000 },
          { provider: 'openai', model: 'gpt-4.1', contextWindow: 1_000_000 },
        ],
      },
    },
    retry: { attempts: 0 },
    limits,
  });
  expect((await putConfig(config)).status).toBe(200);
  return (await createKey()).key;
}

/** gpt-4o counting the prompt as `prompt` tokens; gpt-4.1 answers anything. */
function gpt4oWithPrompt(prompt: number, deepseek = false) {
  onUpstream(CHAT, (_request, sent) => {
    const body = sent.body as Json;
    const asked = body.max_tokens ?? 0;
    if (body.model === 'gpt-4o' && prompt + asked > 128_000)
      return json(OVERFLOW(128_000, prompt, asked, deepseek), 400);
    return json(completion(body.model));
  });
}

const sent = () => recorded.map((r) => [(r.body as Json).model, (r.body as Json).max_tokens]);
const hello = [{ role: 'user', content: 'Hi' }];

describe('a prompt that fits the window only without the cap asked', () => {
  it('is asked again capped at what the window leaves, on the same target', async () => {
    const key = await setup();
    gpt4oWithPrompt(100_000);
    const response = await chat(key, { model: 'long', max_tokens: 30_000, messages: hello });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-model')).toBe('gpt-4o');
    expect(sent()).toEqual([
      ['gpt-4o', 30_000],
      ['gpt-4o', 28_000],
    ]);
  });

  it("reads DeepSeek's words for it too", async () => {
    const key = await setup();
    gpt4oWithPrompt(122_942, true);
    const response = await chat(key, { model: 'long', max_tokens: 8192, messages: hello });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(sent()).toEqual([
      ['gpt-4o', 8192],
      ['gpt-4o', 5058],
    ]);
  });

  it("lowers the gateway's own cap (limits.enforceMaxTokens) for a request that sets none", async () => {
    const key = await setup({ enforceMaxTokens: true, defaultMaxTokens: 4096 });
    gpt4oWithPrompt(126_000);
    const response = await chat(key, { model: 'long', messages: hello });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(sent()).toEqual([
      ['gpt-4o', 4096],
      ['gpt-4o', 2000],
    ]);
  });
});

describe('a refusal the cap cannot help', () => {
  it('fails over to a larger window when the prompt alone fills this one', async () => {
    const key = await setup();
    gpt4oWithPrompt(130_000);
    const response = await chat(key, { model: 'long', max_tokens: 1000, messages: hello });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-model')).toBe('gpt-4.1');
    expect(sent()).toEqual([
      ['gpt-4o', 1000],
      ['gpt-4.1', 1000],
    ]);
  });

  it('fails over when the window leaves less than 1,024 tokens (or half the cap) to answer in', async () => {
    const key = await setup();
    gpt4oWithPrompt(127_990);
    const response = await chat(key, { model: 'long', max_tokens: 4096, messages: hello });
    expect(response.status).toBe(200);
    expect(sent()).toEqual([
      ['gpt-4o', 4096],
      ['gpt-4.1', 4096],
    ]);
  });

  it('passes through as context_length_exceeded when the request set no cap to lower', async () => {
    const key = await setup();
    onUpstream(CHAT, () => json(OVERFLOW(128_000, 100_000, 30_000), 400));
    expect((await putConfig(openaiConfig({ retry: { attempts: 0 } }))).status).toBe(200);
    const response = await chat(key, { model: 'gpt', messages: hello });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error.code).toBe('context_length_exceeded');
    expect(recorded).toHaveLength(1);
  });
});

describe('once per attempt', () => {
  it('a call lowered for the model limit and refused for the window is not lowered again', async () => {
    expect((await putConfig(openaiConfig({ retry: { attempts: 0 } }))).status).toBe(200);
    const key = (await createKey()).key;
    onUpstream(CHAT, (_request, sent) => {
      const asked = (sent.body as Json).max_tokens as number;
      if (asked > 16_384)
        return json(
          {
            error: {
              message: `max_tokens is too large: ${asked}. This model supports at most 16384 completion tokens, whereas you provided ${asked}.`,
              type: 'invalid_request_error',
              param: 'max_tokens',
              code: 'invalid_value',
            },
          },
          400,
        );
      return json(OVERFLOW(128_000, 120_000, asked), 400);
    });
    const response = await chat(key, { model: 'gpt', max_tokens: 32_000, messages: hello });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error.code).toBe('context_length_exceeded');
    expect(recorded.map((r) => (r.body as Json).max_tokens)).toEqual([32_000, 16_384]);
  });

  it('a lowered call refused again fails over to a larger window', async () => {
    const key = await setup();
    // Counted otherwise the second time: still 30,000 asked beside the prompt.
    onUpstream(CHAT, (_request, sent) => {
      const body = sent.body as Json;
      return body.model === 'gpt-4o'
        ? json(OVERFLOW(128_000, 100_000, 30_000), 400)
        : json(completion(body.model));
    });
    const response = await chat(key, { model: 'long', max_tokens: 30_000, messages: hello });
    expect(response.status).toBe(200);
    expect(sent()).toEqual([
      ['gpt-4o', 30_000],
      ['gpt-4o', 28_000],
      ['gpt-4.1', 30_000],
    ]);
  });
});
