// The provider of the stored-responses and conversations tests: Claude behind the alias `claude`
// (claudeConfig), answering each call with the next of a list of replies, streamed or not.
import { expect } from 'vitest';
import { anthropicMessage, anthropicStream } from './anthropic-sse';
import { claudeConfig, createKey, type Json, putConfig } from './gateway';
import { json, onUpstream } from './upstream';

export const ANTHROPIC_URL = 'https://anthropic.test';

/** Claude answering each call with the next of `replies` (then `More.`), `extra` in the config; a new key. */
export async function claudeAnswering(
  replies: readonly string[] = ['Hello Ada.', 'Your name is Ada.', 'Third.'],
  extra: Json = {},
): Promise<string> {
  const response = await putConfig(claudeConfig(ANTHROPIC_URL, extra));
  expect(response.status, await response.clone().text()).toBe(200);
  let calls = 0;
  onUpstream(`${ANTHROPIC_URL}/v1/messages`, (_request, sent) => {
    const text = replies[calls++] ?? 'More.';
    if ((sent.body as Json).stream === true)
      return anthropicStream([{ type: 'text', text }], { stopReason: 'end_turn' });
    return json(
      anthropicMessage(text, {
        id: `msg_${calls}`,
        model: 'claude-sonnet-4-5-20250929',
        usage: { input_tokens: 9, output_tokens: 4 },
      }),
    );
  });
  return (await createKey()).key;
}
