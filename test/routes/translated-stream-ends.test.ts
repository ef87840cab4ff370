// How the Responses and Messages streams, translated from the chat stream, name their model and end
// when an output guardrail blocks the answer in the middle.
import { describe, expect, it } from 'vitest';
import { chunk, usageChunk } from '../helpers/chat-chunks';
import {
  chat,
  createKey,
  type Json,
  messages,
  OPENAI_URL,
  openaiConfig,
  putConfig,
  responses,
} from '../helpers/gateway';
import { responseEvents } from '../helpers/openapi';
import { chatCompletion, onUpstream, sse } from '../helpers/upstream';

async function blockingSetup() {
  const guardrails = [{ name: 'out-block', keywords: ['forbidden'], action: 'block', scope: 'output' }];
  expect((await putConfig(openaiConfig({ guardrails }))).status).toBe(200);
  onUpstream(`${OPENAI_URL}/chat/completions`, () =>
    sse([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'This is ' }),
      chunk({ content: 'forbidden, and more.' }),
      chunk({}, 'stop'),
      usageChunk,
      'data: [DONE]\n\n',
    ]),
  );
  return (await createKey()).key;
}

describe('an output guardrail that blocks a translated stream in the middle', () => {
  it("ends chat's stream with guardrail_blocked, a permission_error", async () => {
    const key = await blockingSetup();
    const response = await chat(key, {
      model: 'gpt',
      stream: true,
      messages: [{ role: 'user', content: 'q' }],
    });
    const frames = (await response.text()).split('\n\n').filter((frame) => frame !== '');
    expect(JSON.parse(frames.at(-1)!.slice(6)).error).toMatchObject({
      type: 'permission_error',
      code: 'guardrail_blocked',
    });
  });

  it('fails the Response with invalid_prompt (the message naming the guardrail), not a server_error', async () => {
    const key = await blockingSetup();
    const response = await responses(key, { model: 'gpt', input: 'q', stream: true });
    const last: Json = responseEvents(await response.text()).at(-1);
    expect(last.type).toBe('response.failed');
    expect(last.response.error.code).toBe('invalid_prompt');
    expect(last.response.error.message).toContain("guardrail 'out-block'");
  });

  it('ends the message with a permission_error event, not an api_error', async () => {
    const key = await blockingSetup();
    const response = await messages(key, {
      model: 'gpt',
      max_tokens: 50,
      stream: true,
      messages: [{ role: 'user', content: 'q' }],
    });
    const frames = (await response.text()).split('\n\n').filter((frame) => frame !== '');
    const last = JSON.parse(frames.at(-1)!.split('\n')[1]!.slice(6));
    expect(last).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    expect(last.error.message).toContain("guardrail 'out-block'");
  });
});

describe('the model a Responses stream names', () => {
  it('is the one that served it, in every event, as in the JSON answer and the chat stream', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/chat/completions`, (_request, sent) =>
      (sent.body as Json).stream
        ? sse([
            chunk({ role: 'assistant', content: 'Hi' }),
            chunk({}, 'stop'),
            usageChunk,
            'data: [DONE]\n\n',
          ])
        : new Response(
            JSON.stringify(
              chatCompletion(
                'Hi',
                { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
                { model: 'gpt-4o-mini-2024-07-18' },
              ),
            ),
            { headers: { 'content-type': 'application/json' } },
          ),
    );
    const streamed = await responses(key, { model: 'gpt', input: 'q', stream: true });
    const models = responseEvents(await streamed.text())
      .filter((event) => event.response)
      .map((event) => (event.response as Json).model);
    expect(models).toEqual(['gpt-4o-mini-2024-07-18', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini-2024-07-18']);
    const answer: Json = await (await responses(key, { model: 'gpt', input: 'q' })).json();
    expect(answer.model).toBe('gpt-4o-mini-2024-07-18');
  });
});
