import { describe, expect, it } from 'vitest';
import { relayOpenAIStream, type StreamSummary } from '../../src/openai/stream-relay';

const encoder = new TextEncoder();

function source(parts: (string | Uint8Array | Error)[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      const part = parts[index++];
      if (part === undefined) controller.close();
      else if (part instanceof Error) controller.error(part);
      else controller.enqueue(typeof part === 'string' ? encoder.encode(part) : part);
    },
  });
}

async function run(parts: (string | Uint8Array | Error)[], includeUsage = false) {
  let summary: StreamSummary | undefined;
  const stream = relayOpenAIStream(source(parts), { includeUsage, onEnd: (s) => (summary = s) });
  const text = await new Response(stream).text();
  return { text, summary: summary! };
}

const chunk = (content: string) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });
const usage = JSON.stringify({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [],
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
});

describe('relayOpenAIStream', () => {
  it('reassembles events split at awkward byte boundaries, including inside a UTF-8 character', async () => {
    const full = encoder.encode(`data: ${chunk('héllo 👋')}\n\ndata: [DONE]\n\n`);
    const cut = full.indexOf(0xf0) + 2; // inside the 4-byte emoji
    const { text, summary } = await run([full.slice(0, 5), full.slice(5, cut), full.slice(cut)]);
    expect(text).toBe(`data: ${chunk('héllo 👋')}\n\ndata: [DONE]\n\n`);
    expect(summary).toMatchObject({ completed: true, cancelled: false, events: 1 });
  });

  it('records usage and hides the usage chunk unless asked', async () => {
    const hidden = await run([`data: ${chunk('a')}\n\n`, `data: ${usage}\n\n`, 'data: [DONE]\n\n']);
    expect(hidden.text).not.toContain('"usage"');
    expect(hidden.summary.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    const shown = await run([`data: ${chunk('a')}\n\n`, `data: ${usage}\n\n`, 'data: [DONE]\n\n'], true);
    expect(shown.text).toContain(`data: ${usage}\n\n`);
  });

  it('appends [DONE] when the upstream ends without it', async () => {
    const { text, summary } = await run([`data: ${chunk('a')}\n\n`]);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(summary.completed).toBe(false);
  });

  it('ends a stream that fails mid-way with an OpenAI-style error event', async () => {
    const { text, summary } = await run([`data: ${chunk('a')}\n\n`, new Error('connection reset')]);
    const frames = text.split('\n\n').filter(Boolean);
    expect(JSON.parse(frames.at(-1)!.slice(6))).toEqual({
      error: {
        message: 'The upstream provider failed in the middle of the stream.',
        type: 'api_error',
        param: null,
        code: 'upstream_error',
      },
    });
    expect(summary.error).toContain('connection reset');
  });

  it('ignores comments and keeps unknown fields', async () => {
    const { text } = await run([': keep-alive\n\n', `data: ${chunk('a')}\n\n`, 'data: [DONE]\n\n']);
    expect(text).toBe(`data: ${chunk('a')}\n\ndata: [DONE]\n\n`);
  });

  it('reports a client cancel and cancels the upstream', async () => {
    let upstreamCancelled = false;
    const upstream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode(`data: ${chunk('x')}\n\n`));
      },
      cancel() {
        upstreamCancelled = true;
      },
    });
    let summary: StreamSummary | undefined;
    const reader = relayOpenAIStream(upstream, {
      includeUsage: false,
      onEnd: (s) => (summary = s),
    }).getReader();
    await reader.read();
    await reader.cancel('client went away');
    expect(upstreamCancelled).toBe(true);
    expect(summary).toMatchObject({ cancelled: true, events: 1 });
  });
});
