// An output cap above the model's own limit, which OpenAI refuses where others clamp it: the call
// goes again capped at the limit the refusal names (Claude Code asks 32,000 of every model).
import { describe, expect, it } from 'vitest';
import { chat, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const TOO_LARGE = (asked: number, field = 'max_tokens') => ({
  error: {
    message: `max_tokens is too large: ${asked}. This model supports at most 16384 completion tokens, whereas you provided ${asked}.`,
    type: 'invalid_request_error',
    param: field,
    code: 'invalid_value',
  },
});

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_760_000_000,
  model: 'gpt-4o-2024-08-06',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'Hi' }, logprobs: null, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
};

async function setup() {
  expect((await putConfig(openaiConfig())).status).toBe(200);
  return (await createKey()).key;
}

describe('a cap above the model limit', () => {
  it('is lowered to the limit the refusal names, and the call made again', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, (_request, sent) => {
      const asked = (sent.body as Json).max_completion_tokens as number;
      return asked > 16384 ? json(TOO_LARGE(asked, 'max_completion_tokens'), 400) : json(completion);
    });
    const response = await chat(key, {
      model: 'gpt',
      max_completion_tokens: 32000,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded.map((r) => (r.body as Json).max_completion_tokens)).toEqual([32000, 16384]);
  });

  it("reads DeepSeek's words for it too (no param named)", async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, (_request, sent) =>
      ((sent.body as Json).max_tokens as number) > 8192
        ? json(
            {
              error: {
                message: 'Invalid max_tokens value, the valid range of max_tokens is [1, 8192]',
                type: 'invalid_request_error',
                param: null,
                code: 'invalid_request_error',
              },
            },
            400,
          )
        : json(completion),
    );
    const response = await chat(key, {
      model: 'gpt',
      max_tokens: 32000,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(response.status).toBe(200);
    expect(recorded.map((r) => (r.body as Json).max_tokens)).toEqual([32000, 8192]);
  });

  it('once: a refusal of a cap already within the named limit, or of another parameter, passes through', async () => {
    const key = await setup();
    let refusal: Json = TOO_LARGE(100);
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(refusal, 400));
    const within = await chat(key, {
      model: 'gpt',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(within.status).toBe(400);
    expect(recorded).toHaveLength(1);
    refusal = { error: { ...TOO_LARGE(32000).error, param: 'temperature' } };
    const other = await chat(key, {
      model: 'gpt',
      max_tokens: 32000,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(other.status).toBe(400);
    expect(((await other.json()) as Json).error.param).toBe('temperature');
    expect(recorded).toHaveLength(2);
  });
});
