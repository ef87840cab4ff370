import { describe, expect, it } from 'vitest';
import { completionToMessage } from '../../src/anthropic/messages-answer';
import { messagesEventStream } from '../../src/anthropic/messages-stream';
import { completionToResponse, responseIds } from '../../src/openai/responses-answer';
import { responsesRequest } from '../../src/openai/responses-schema';
import { responsesEventStream } from '../../src/openai/responses-stream';
import type { Json } from '../helpers/gateway';

const request = responsesRequest.parse({ model: 'alias', input: 'x' });

const chunk = (delta: Json, finish: string | null = null) =>
  `data: ${JSON.stringify({ model: 'up-1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** The text of what `stream` makes of these chat frames. */
async function through(frames: string[], stream: TransformStream<Uint8Array, Uint8Array>): Promise<string> {
  const source = new Response(frames.join('')).body!;
  return new Response(source.pipeThrough(stream)).text();
}

/** The `data:` objects of an SSE text. */
const events = (text: string): Json[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)));

/** OpenRouter's, Groq's and Ollama's answer: the reasoning as `reasoning`. */
const completion = (message: Json) => ({
  model: 'up-1',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', ...message }, finish_reason: 'stop' }],
});

describe('reasoning sent as `reasoning` (OpenRouter, Groq, Ollama, vLLM)', () => {
  it('is the Response’s reasoning item, streamed or not', async () => {
    const answer = completionToResponse(request, completion({ reasoning: 'why' }), responseIds('req_1'));
    expect((answer.output as Json[])[0]).toMatchObject({ type: 'reasoning', summary: [{ text: 'why' }] });
    const text = await through(
      [chunk({ role: 'assistant', reasoning: 'wh' }), chunk({ reasoning: 'y' }), chunk({ content: 'Hi' })],
      responsesEventStream(request, responseIds('req_1')),
    );
    const deltas = events(text).filter((e) => e.type === 'response.reasoning_summary_text.delta');
    expect(deltas.map((e) => e.delta)).toEqual(['wh', 'y']);
  });

  it('is the Message’s unsigned thinking block, streamed or not', async () => {
    const message = completionToMessage(completion({ reasoning: 'why' }), 'msg_1', 'm');
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'why', signature: '' },
      { type: 'text', text: 'Hi' },
    ]);
    const text = await through(
      [chunk({ role: 'assistant', reasoning: 'wh' }), chunk({ reasoning: 'y' }), chunk({ content: 'Hi' })],
      messagesEventStream('msg_1', 'm'),
    );
    const thoughts = events(text).filter((e) => (e.delta as Json | undefined)?.type === 'thinking_delta');
    expect(thoughts.map((e) => (e.delta as Json).thinking)).toEqual(['wh', 'y']);
  });

  it('is not read beside reasoning_content, which vLLM has sent with the same text', async () => {
    const both = { reasoning_content: 'why', reasoning: 'why' };
    const answer = completionToResponse(request, completion(both), responseIds('req_1'));
    expect((answer.output as Json[])[0]).toMatchObject({ summary: [{ text: 'why' }] });
    expect(completionToMessage(completion(both), 'msg_1', 'm').content).toContainEqual({
      type: 'thinking',
      thinking: 'why',
      signature: '',
    });
    const text = await through(
      [chunk({ role: 'assistant', ...both }), chunk({ content: 'Hi' })],
      messagesEventStream('msg_1', 'm'),
    );
    const thoughts = events(text).filter((e) => (e.delta as Json | undefined)?.type === 'thinking_delta');
    expect(thoughts.map((e) => (e.delta as Json).thinking)).toEqual(['why']);
    const streamed = await through(
      [chunk({ role: 'assistant', ...both }), chunk({ content: 'Hi' })],
      responsesEventStream(request, responseIds('req_1')),
    );
    const done = events(streamed).find((e) => e.type === 'response.reasoning_summary_text.done');
    expect(done?.text).toBe('why');
  });
});

describe("Mistral reasoning models' content parts", () => {
  /** Magistral's answer: `thinking` parts (each a list of text parts), then `text` parts. */
  const parts = [
    { type: 'thinking', thinking: [{ type: 'text', text: 'why' }] },
    { type: 'text', text: 'Hi' },
  ];

  it('are the Message’s thinking and text blocks, streamed or not', async () => {
    const message = completionToMessage(completion({ content: parts }), 'msg_1', 'm');
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'why', signature: '' },
      { type: 'text', text: 'Hi' },
    ]);
    const text = await through(
      [chunk({ role: 'assistant', content: [parts[0]] }), chunk({ content: [parts[1]] })],
      messagesEventStream('msg_1', 'm'),
    );
    const deltas = events(text).flatMap((e) => (e.type === 'content_block_delta' ? [e.delta as Json] : []));
    expect(deltas).toEqual([
      { type: 'thinking_delta', thinking: 'why' },
      { type: 'text_delta', text: 'Hi' },
    ]);
  });
});
