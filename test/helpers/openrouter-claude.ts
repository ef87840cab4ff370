// Claude with extended thinking through OpenRouter: its answer to "Weather in Oslo?" (signed and
// redacted reasoning_details, one tool call) and a config routing `claude` there, for the Messages
// and Responses translations' tests.
import { expect } from 'vitest';
import { createKey, putConfig } from './gateway';

export const OPENROUTER = 'https://openrouter.ai/api/v1/chat/completions';
export const format = 'anthropic-claude-v1';
export const signedText = {
  type: 'reasoning.text',
  text: 'Look it up.',
  signature: 'EqsigA',
  format,
  index: 0,
};
export const redacted = { type: 'reasoning.encrypted', data: 'opaque', format, index: 1 };
export const toolCall = {
  id: 'toolu_1',
  type: 'function',
  function: { name: 'weather', arguments: '{"city":"Oslo"}' },
};

export const completion = {
  id: 'gen-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'anthropic/claude-sonnet-4.5',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: '',
        reasoning: 'Look it up.',
        reasoning_details: [signedText, redacted],
        tool_calls: [toolCall],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 },
};

export const ask = { role: 'user', content: 'Weather in Oslo?' };

/** `claude` routed to OpenRouter's Claude Sonnet 4.5, and a key for it. */
export async function openRouterClaudeKey(): Promise<string> {
  const config = {
    providers: { openrouter: { type: 'openai', preset: 'openrouter', apiKey: 'sk-or' } },
    models: { claude: { targets: [{ provider: 'openrouter', model: 'anthropic/claude-sonnet-4.5' }] } },
    retry: { attempts: 0 },
  };
  expect((await putConfig(config)).status).toBe(200);
  return (await createKey()).key;
}

/** One streamed piece of Claude's reasoning block `index` as OpenRouter sends it (no signature: none yet). */
export const claudeDetail = (text: string, index: number, signature?: string) => ({
  type: 'reasoning.text',
  text,
  ...(signature === undefined ? {} : { signature }),
  format,
  index,
});
