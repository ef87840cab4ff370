import { describe, expect, it } from 'vitest';
import { primeStream } from '../../src/openai/prime-stream';
import { UpstreamError } from '../../src/providers/types';
import { retryableOnSameTarget } from '../../src/routing/backoff';

const encoder = new TextEncoder();
const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** A stream of `parts`; an Error part fails the read; `cancelled` records a cancel. */
function source(parts: (string | Error)[]) {
  let index = 0;
  const state = { cancelled: false, reads: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.reads++;
      const part = parts[index++];
      if (part === undefined) controller.close();
      else if (part instanceof Error) controller.error(part);
      else controller.enqueue(encoder.encode(part));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

async function failure(parts: (string | Error)[]): Promise<UpstreamError> {
  const error = await primeStream(source(parts).stream, 'up').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('primeStream', () => {
  it('commits once the first whole event is in, and replays every byte read so far', async () => {
    const whole = chunk('Hello');
    const { stream, state } = source([
      ': keep-alive\n\n',
      whole.slice(0, 7),
      whole.slice(7),
      chunk(' world'),
    ]);
    const primed = await primeStream(stream, 'up');
    expect(state.reads).toBe(3); // the comment and the split event; not the second event
    let text = '';
    for (let r = await primed.read(); !r.done; r = await primed.read())
      text += new TextDecoder().decode(r.value);
    expect(text).toBe(`: keep-alive\n\n${whole}${chunk(' world')}`);
  });

  it('keeps waiting while bytes drip in without a whole event (so the first-byte timeout applies)', async () => {
    let delivered = 0;
    const drip = new ReadableStream<Uint8Array>({
      pull(controller) {
        const text = chunk('slow');
        if (delivered < 10) controller.enqueue(encoder.encode(text[delivered++]));
        else return new Promise(() => {}); // the provider goes quiet mid-event
      },
    });
    const outcome = await Promise.race([
      primeStream(drip, 'up').then(() => 'committed'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 50)),
    ]);
    expect(outcome).toBe('still waiting');
    expect(delivered).toBe(10);
  });

  it('commits a first chunk that carries "error": null, as some services put in every chunk', async () => {
    const first = chunk('Hi').replace('"choices"', '"error":null,"choices"');
    const primed = await primeStream(source([first]).stream, 'up');
    const read = await primed.read();
    expect(new TextDecoder().decode(read.value)).toBe(first);
  });

  it('fails the attempt when the stream opens with an error, and cancels it', async () => {
    const { stream, state } = source([
      'data: {"error":{"message":"overloaded (internal detail)","type":"server_error"}}\n\n',
      chunk('never'),
    ]);
    const error = await primeStream(stream, 'up').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ failure: 'server', status: 200 });
    expect((error as Error).message).not.toContain('internal detail');
    expect(state.cancelled).toBe(true);
  });

  it('keeps the meaning of a rate limit, a context overflow or a filtered prompt the stream opened with', async () => {
    const opened = (error: object) => failure([`data: ${JSON.stringify({ error })}\n\n`]);
    const limited = await opened({ message: 'slow down (org-123)', type: 'rate_limit_error' });
    expect(limited).toMatchObject({ failure: 'rate_limit', status: 429 });
    // Retried on the same target as an HTTP 429 is.
    expect(retryableOnSameTarget(limited, { onStatus: [429, 500] })).toBe(true);
    // Unless it is an account out of credit: failed over at once, as for a 429 insufficient_quota.
    const broke = await opened({ message: 'quota', type: 'rate_limit_error', code: 'insufficient_quota' });
    expect(broke).toMatchObject({ failure: 'auth', options: { code: 'insufficient_quota' } });
    expect(retryableOnSameTarget(broke, { onStatus: [429, 500] })).toBe(false);
    const tooLong = await opened({ message: 'max 8192 tokens', code: 'context_length_exceeded' });
    expect(tooLong).toMatchObject({ failure: 'caller', options: { code: 'context_length_exceeded' } });
    expect(tooLong.message).toBe("The prompt is longer than the context length of up's model.");
    expect(await opened({ message: 'flagged', code: 'content_filter' })).toMatchObject({
      failure: 'caller',
      options: { code: 'content_filter' },
    });
    expect(
      (await opened({ message: 'slow down (org-123)', type: 'rate_limit_error' })).message,
    ).not.toContain('org-123');
  });

  it('fails the attempt on an `event: error`, a first event that is not JSON, or a bare [DONE]', async () => {
    expect(await failure(['event: error\ndata: {"message":"x"}\n\n'])).toMatchObject({ failure: 'server' });
    expect(await failure(['data: {"choices": [{"delta":\n\n'])).toMatchObject({ failure: 'server' });
    expect(await failure(['data: [DONE]\n\n'])).toMatchObject({ failure: 'server' });
  });

  it('fails the attempt when the stream ends without any event (e.g. an HTML page)', async () => {
    const error = await failure(['<html><body>502 Bad Gateway</body></html>\n']);
    expect(error).toMatchObject({ failure: 'server', status: 200 });
    expect(error.message).toBe('up sent a stream without events.');
    expect((await failure([])).message).toBe('up sent an empty stream.');
  });

  it('turns a read failure before the first event into a network failure', async () => {
    expect(await failure([chunk('x').slice(0, 5), new Error('connection reset')])).toMatchObject({
      failure: 'network',
      status: 0,
    });
  });
});
