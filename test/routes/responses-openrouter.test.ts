// Claude's extended thinking through OpenRouter on /v1/responses: its reasoning_details, signed, are
// packed into the reasoning item's encrypted_content (JSON and streamed), and a tool loop that sends
// the items back gives OpenRouter the assistant message's reasoning_details again.
import { describe, expect, it } from 'vitest';
import { chunk, usageChunk } from '../helpers/chat-chunks';
import { type Json, responses } from '../helpers/gateway';
import { responseEvents } from '../helpers/openapi';
import {
  ask,
  completion,
  OPENROUTER,
  openRouterClaudeKey,
  redacted,
  signedText,
  toolCall,
} from '../helpers/openrouter-claude';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';

const streamed = [
  chunk({
    role: 'assistant',
    content: '',
    reasoning: 'Look ',
    reasoning_details: [{ ...signedText, text: 'Look ', signature: '' }],
  }),
  chunk({
    content: '',
    reasoning: 'it up.',
    reasoning_details: [{ ...signedText, text: 'it up.', signature: '' }],
  }),
  chunk({ content: '', reasoning: null, reasoning_details: [{ ...signedText, text: '' }] }),
  chunk({ content: '', reasoning_details: [redacted] }),
  chunk({ tool_calls: [{ index: 0, ...toolCall }] }),
  chunk({}, 'tool_calls'),
  usageChunk,
  'data: [DONE]\n\n',
];

async function setup() {
  onUpstream(OPENROUTER, (_request, entry) =>
    (entry.body as Json).stream === true ? sse(streamed) : json(completion),
  );
  return openRouterClaudeKey();
}

const tools = [
  {
    type: 'function',
    name: 'weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
];

/** The assistant message the tool loop's next request gave OpenRouter, after the answer's `output`. */
async function sentBack(key: string, output: Json[]): Promise<Json> {
  const next = await responses(key, {
    model: 'claude',
    tools,
    input: [ask, ...output, { type: 'function_call_output', call_id: 'toolu_1', output: 'Sunny' }],
  });
  expect(next.status).toBe(200);
  return (recorded.at(-1)!.body as Json).messages[1];
}

describe('/v1/responses with Claude through OpenRouter', () => {
  it('packs the signed reasoning of a JSON answer, which goes back as reasoning_details', async () => {
    const key = await setup();
    const first = await responses(key, { model: 'claude', tools, input: [ask] });
    expect(first.status).toBe(200);
    const output = ((await first.json()) as Json).output as Json[];
    expect(output.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
    expect(output[0].summary).toEqual([{ type: 'summary_text', text: 'Look it up.' }]);

    const assistant = await sentBack(key, output);
    expect(assistant.reasoning_details).toEqual([signedText, redacted]);
    expect(assistant.tool_calls).toEqual([toolCall]);
    expect(assistant).not.toHaveProperty('thinking_blocks');
  });

  it('packs the signed reasoning of a stream, which goes back as reasoning_details', async () => {
    const key = await setup();
    const first = await responses(key, { model: 'claude', tools, stream: true, input: [ask] });
    expect(first.status).toBe(200);
    const events = responseEvents(await first.text());
    const output = (events.at(-1) as Json).response.output as Json[];
    expect(output.map((item) => item.type)).toEqual(['reasoning', 'reasoning', 'function_call']);

    const assistant = await sentBack(key, output);
    expect(assistant.reasoning_details).toEqual([signedText, redacted]);
    expect(assistant.tool_calls).toEqual([toolCall]);
  });
});
