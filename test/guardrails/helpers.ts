// Shared by the guardrail tests (here and in test/logs): a key under a config with these rules, and
// the upstream answers they stub.
import { expect } from 'vitest';
import { createKey, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';

export const CHAT_URL = `${OPENAI_URL}/chat/completions`;

/** Stores a config with `guardrails` (plus `config`), then creates a key with `keyOptions`. */
export async function guardedKey(
  guardrails: unknown[],
  keyOptions: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
): Promise<string> {
  const response = await putConfig(openaiConfig({ ...config, guardrails }));
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey(keyOptions)).key;
}

/** A finished chat.completion answering `content`. */
export const completion = (content: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content, refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

/** One SSE chunk event of choice 0. */
export const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;
