import { describe, expect, it, vi } from 'vitest';
import { relayOpenAIStream } from '../../src/openai/stream-relay';
import { type StreamSummary, streamVerdict } from '../../src/openai/stream-summary';

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

/**
 * The relay's summary once onEnd has run: the client's stream closes at `[DONE]`, while the
 * upstream is still read out (briefly) before onEnd.
 */
async function ended(get: () => StreamSummary | undefined): Promise<StreamSummary> {
  for (let i = 0; i < 400 && !get(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  return get()!;
}

async function run(parts: (string | Uint8Array | Error)[], includeUsage = false) {
  let summary: StreamSummary | undefined;
  const stream = relayOpenAIStream(source(parts), { includeUsage, onEnd: (s) => (summary = s) });
  const text = await new Response(stream).text();
  return { text, summary: await ended(() => summary) };
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

  it('ends the answer at a mapped error event: nothing after it, no [DONE], the upstream read to its end for usage', async () => {
    let summary: StreamSummary | undefined;
    const stopAt = 'b';
    let stopped = false;
    const stream = relayOpenAIStream(
      source([
        `data: ${chunk('a')}\n\n`,
        `data: ${chunk(stopAt)}\n\n`,
        `data: ${chunk('c')}\n\n`,
        `data: ${usage}\n\n`,
      ]),
      {
        includeUsage: false,
        onEnd: (s) => (summary = s),
        mapEvent: (data) => {
          if (stopped) return null;
          if (!data.includes(`"content":"${stopAt}"`)) return data;
          stopped = true;
          return {
            end: '{"error":{"message":"blocked","type":"invalid_request_error","param":null,"code":"x"}}',
          };
        },
      },
    );
    const text = await new Response(stream).text();
    expect(text).toBe(
      `data: ${chunk('a')}\n\ndata: {"error":{"message":"blocked","type":"invalid_request_error","param":null,"code":"x"}}\n\n`,
    );
    expect(summary?.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    // A stream the gateway ended is a failed stream in the log, with the code the client was sent.
    expect(summary).toMatchObject({ errorCode: 'x', cancelled: false });
  });

  it('reads on for usage after a mapped end for a bounded time only, however long the upstream goes on', async () => {
    let summary: StreamSummary | undefined;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 10)); // an event every 10 ms, forever
        controller.enqueue(encoder.encode(`data: ${chunk('more')}\n\n`));
      },
      cancel() {
        cancelled = true;
      },
    });
    const stream = relayOpenAIStream(endless, {
      includeUsage: false,
      idleMs: 150, // never reached by the idle clock (events keep coming); it bounds the drain
      onEnd: (s) => (summary = s),
      mapEvent: () => ({
        end: '{"error":{"message":"blocked","type":"invalid_request_error","param":null,"code":"x"}}',
      }),
    });
    await new Response(stream).text();
    for (let i = 0; i < 100 && !summary; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(summary).toMatchObject({ errorCode: 'x', cancelled: false });
    expect(cancelled).toBe(true);
  });

  it('closes the client stream at a mapped error event, while the upstream is read on for usage', async () => {
    let summary: StreamSummary | undefined;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sent = 0;
    const slowTail = new ReadableStream<Uint8Array>({
      async pull(controller) {
        sent++;
        if (sent === 1) controller.enqueue(encoder.encode(`data: ${chunk('b')}\n\n`));
        else if (sent === 2) {
          await gate; // the upstream's tail comes only later
          controller.enqueue(encoder.encode(`data: ${usage}\n\n`));
        } else controller.close();
      },
    });
    const stream = relayOpenAIStream(slowTail, {
      includeUsage: false,
      onEnd: (s) => (summary = s),
      mapEvent: () => ({
        end: '{"error":{"message":"blocked","type":"invalid_request_error","param":null,"code":"x"}}',
      }),
    });
    const text = await new Response(stream).text(); // ends before the upstream's tail is released
    expect(text).toContain('"code":"x"');
    expect(summary).toBeUndefined();
    release();
    for (let i = 0; i < 50 && !summary; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(summary?.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
  });

  it('appends [DONE] when the upstream ends a finished answer without it', async () => {
    const finished = chunk('a').replace('"finish_reason":null', '"finish_reason":"stop"');
    const { text, summary } = await run([`data: ${finished}\n\n`]);
    expect(text).toBe(`data: ${finished}\n\ndata: [DONE]\n\n`);
    expect(summary).toMatchObject({ completed: true });
    expect(summary.errorCode).toBeUndefined();
  });

  it('ends an answer the upstream cut short (closed before any finish_reason) with an error event, not [DONE]', async () => {
    const { text, summary } = await run([`data: ${chunk('a')}\n\n`]);
    expect(text).not.toContain('[DONE]');
    const last = JSON.parse(text.split('\n\n').filter(Boolean).at(-1)!.slice(6));
    expect(last.error).toMatchObject({ code: 'upstream_error', type: 'api_error' });
    expect(last.error.message).toContain('before its answer was complete');
    expect(summary).toMatchObject({ completed: false, errorCode: 'upstream_error' });
  });

  it('with n > 1, counts a stream closed without [DONE] complete only once every choice finished', async () => {
    const finish = (index: number) =>
      chunk('a')
        .replace('"index":0', `"index":${index}`)
        .replace('"finish_reason":null', '"finish_reason":"stop"');
    const twice = async (parts: string[]) => {
      let summary: StreamSummary | undefined;
      const relay = relayOpenAIStream(source(parts), {
        includeUsage: false,
        choices: 2,
        onEnd: (s) => (summary = s),
      });
      return { text: await new Response(relay).text(), summary: await ended(() => summary) };
    };
    const cut = await twice([
      `data: ${finish(0)}\n\ndata: ${chunk('b').replace('"index":0', '"index":1')}\n\n`,
    ]);
    expect(cut.text).not.toContain('[DONE]');
    expect(cut.summary).toMatchObject({ completed: false, errorCode: 'upstream_error' });
    // The same choice finishing twice is still one choice.
    const same = await twice([`data: ${finish(0)}\n\ndata: ${finish(0)}\n\n`]);
    expect(same.summary).toMatchObject({ completed: false });

    const whole = await twice([`data: ${finish(1)}\n\ndata: ${finish(0)}\n\n`]);
    expect(whole.text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(whole.summary).toMatchObject({ completed: true });
    expect(whole.summary.errorCode).toBeUndefined();
  });

  it('closes the client stream at [DONE], letting go of an upstream that keeps its connection open', async () => {
    const { stream, state } = stalling([`data: ${chunk('a')}\n\ndata: [DONE]\n\n`]);
    let summary: StreamSummary | undefined;
    const started = Date.now();
    const relay = relayOpenAIStream(stream, {
      includeUsage: false,
      idleMs: 5_000,
      onEnd: (s) => (summary = s),
    });
    const text = await new Response(relay).text();
    expect(Date.now() - started).toBeLessThan(500); // at [DONE], not after the idle timeout's 5 s
    expect(text).toBe(`data: ${chunk('a')}\n\ndata: [DONE]\n\n`);
    // The lingering upstream is let go a second later (had it closed, it would have been read out).
    expect(await ended(() => summary)).toMatchObject({ completed: true, events: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(state.cancelled).toBe(true);
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
    // The error's name only: a read can fail with a provider's words (Bedrock's exception frame).
    expect(summary.error).toBe('upstream stream failed: Error');
  });

  it("keeps no word of a provider's error event, which may quote the prompt, nor cancels the upstream with it", async () => {
    const quoted = 'Your prompt "my card is 4111 1111 1111 1111" was flagged';
    let summary: StreamSummary | undefined;
    let reason: unknown;
    const upstream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(`data: ${chunk('a')}\n\n`));
        const error = { message: quoted, type: 'invalid_request_error', code: 'content_policy' };
        controller.enqueue(encoder.encode(`data: ${JSON.stringify({ error })}\n\n`));
      },
      cancel(why) {
        reason = why;
      },
    });
    const stream = relayOpenAIStream(upstream, { includeUsage: false, onEnd: (s) => (summary = s) });
    const text = await new Response(stream).text();
    expect(text).not.toContain('4111');
    const ended = await (async () => {
      for (let i = 0; i < 100 && !summary; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      return summary!;
    })();
    expect(ended).toMatchObject({
      errorCode: 'upstream_error',
      error: 'the upstream sent an error event (upstream_error)',
    });
    expect(String(reason)).not.toContain('4111');
  });

  it('ignores comments and keeps unknown fields', async () => {
    const { text } = await run([': keep-alive\n\n', `data: ${chunk('a')}\n\n`, 'data: [DONE]\n\n']);
    expect(text).toBe(`data: ${chunk('a')}\n\ndata: [DONE]\n\n`);
  });

  /** Relays `first` from an upstream that then goes quiet, reads it, and has the client disconnect. */
  async function disconnectAfter(first: string) {
    const seen = { upstreamCancelled: false, summary: undefined as StreamSummary | undefined };
    let sent = false;
    const upstream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return new Promise(() => {}); // quiet (or lingering) after the first chunk
        sent = true;
        controller.enqueue(encoder.encode(first));
      },
      cancel() {
        seen.upstreamCancelled = true;
      },
    });
    const client = new AbortController();
    const reader = relayOpenAIStream(upstream, {
      includeUsage: false,
      signal: client.signal,
      onEnd: (s) => {
        seen.summary = s;
      },
    }).getReader();
    await reader.read();
    client.abort(new Error('client disconnected'));
    return seen;
  }

  it('ends at once when the client disconnects (request.signal), even while the upstream is silent', async () => {
    const { upstreamCancelled, summary } = await disconnectAfter(`data: ${chunk('x')}\n\n`);
    expect(upstreamCancelled).toBe(true);
    expect(summary).toMatchObject({ cancelled: true, events: 1 });
  });

  it('reads an upstream that closes after [DONE] to its end rather than cancelling it (its connection can be reused)', async () => {
    let cancelled = false;
    const parts = [`data: ${chunk('a')}\n\ndata: [DONE]\n\n`];
    const upstream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift();
        if (part) controller.enqueue(encoder.encode(part));
        else controller.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    let summary: StreamSummary | undefined;
    const relay = relayOpenAIStream(upstream, { includeUsage: false, onEnd: (s) => (summary = s) });
    expect(await new Response(relay).text()).toBe(`data: ${chunk('a')}\n\ndata: [DONE]\n\n`);
    expect(await ended(() => summary)).toMatchObject({ completed: true });
    expect(cancelled).toBe(false);
  });

  it('counts a client leaving after [DONE] (the upstream lingering) as a complete answer, not a cancel', async () => {
    const seen = await disconnectAfter(`data: ${chunk('x')}\n\ndata: [DONE]\n\n`);
    const summary = await ended(() => seen.summary);
    expect(summary).toMatchObject({ cancelled: false, events: 1 });
    expect(summary?.error).toBeUndefined();
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
    // The relay learns it from its next write into the client stream.
    await vi.waitFor(() => expect(upstreamCancelled).toBe(true));
    expect(summary).toMatchObject({ cancelled: true });
    expect(summary?.events).toBeGreaterThanOrEqual(1);
  });
});

/** Sends `parts`, then keeps the connection open without another byte, recording a cancel. */
function stalling(parts: string[]) {
  const state = { cancelled: false };
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[index++];
      if (part !== undefined) controller.enqueue(encoder.encode(part));
      else return new Promise<void>(() => {});
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

/** Sends `frames` with `gapMs` between them, then ends. */
function paced(frames: string[], gapMs: number): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      const frame = frames[index++];
      if (frame === undefined) controller.close();
      else controller.enqueue(encoder.encode(frame));
    },
  });
}

async function relayed(stream: ReadableStream<Uint8Array>, idleMs: number) {
  let summary: StreamSummary | undefined;
  const relay = relayOpenAIStream(stream, { includeUsage: false, idleMs, onEnd: (s) => (summary = s) });
  const text = await new Response(relay).text();
  const frames = text.split('\n\n').filter(Boolean);
  return { text, frames, summary: await ended(() => summary) };
}

const lastEvent = (frames: string[]) => JSON.parse(frames.at(-1)!.slice('data: '.length));

describe('relayOpenAIStream: idle timeout', () => {
  it('ends a stream that stalls after its first event with a stream_idle_timeout event, and lets the upstream go', async () => {
    const { stream, state } = stalling([`data: ${chunk('Hel')}\n\n`]);
    const started = Date.now();
    const { text, frames, summary } = await relayed(stream, 200);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(frames[0]).toBe(`data: ${chunk('Hel')}`);
    expect(lastEvent(frames)).toEqual({
      error: {
        message: 'The upstream provider sent nothing for 200 ms in the middle of the stream.',
        type: 'timeout_error',
        param: null,
        code: 'stream_idle_timeout',
      },
    });
    expect(text).not.toContain('[DONE]');
    expect(summary).toMatchObject({ completed: false, cancelled: false, events: 1 });
    expect(summary.error).toContain('no event from the upstream for 200 ms');
    expect(state.cancelled).toBe(true);
  });

  it('does not count SSE comments as events: a keep-alive alone still times out', async () => {
    let index = 0;
    const keepAlive = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (index++ > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        controller.enqueue(encoder.encode(index === 1 ? `data: ${chunk('a')}\n\n` : ': ping\n\n'));
      },
    });
    const { frames, summary } = await relayed(keepAlive, 200);
    expect(lastEvent(frames).error.code).toBe('stream_idle_timeout');
    expect(summary.events).toBe(1);
  });

  it('restarts the idle clock at every event, so a long stream with short gaps completes', async () => {
    const frames = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `data: ${chunk(c)}\n\n`);
    const started = Date.now();
    const result = await relayed(paced([...frames, 'data: [DONE]\n\n'], 250), 1_000);
    expect(Date.now() - started).toBeGreaterThan(1_000); // longer in total than idleMs
    expect(result.text).toBe(`${frames.join('')}data: [DONE]\n\n`);
    expect(result.summary).toMatchObject({ completed: true, events: 6 });
    expect(result.summary.error).toBeUndefined();
  });

  it('does not charge a slow client’s pause to the upstream', async () => {
    const reader = relayOpenAIStream(source([`data: ${chunk('a')}\n\n`, `data: ${chunk('b')}\n\n`]), {
      includeUsage: false,
      idleMs: 100,
      onEnd: () => {},
    }).getReader();
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toBe(`data: ${chunk('a')}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(decoder.decode((await reader.read()).value)).toBe(`data: ${chunk('b')}\n\n`);
  });
});

describe('relayOpenAIStream: time limit (timeouts.streamMaxMs)', () => {
  /** An event every `gapMs`, forever, recording a cancel. */
  function endless(gapMs: number) {
    const state = { cancelled: false, sent: 0 };
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (state.sent > 0 && gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
        controller.enqueue(encoder.encode(`data: ${chunk(`w${state.sent++}`)}\n\n`));
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return { stream, state };
  }

  async function limited(stream: ReadableStream<Uint8Array>, maxMs: number) {
    let summary: StreamSummary | undefined;
    const relay = relayOpenAIStream(stream, {
      includeUsage: false,
      idleMs: 5_000,
      maxMs,
      onEnd: (s) => (summary = s),
    });
    const text = await new Response(relay).text();
    return { frames: text.split('\n\n').filter(Boolean), text, summary: await ended(() => summary) };
  }

  it('ends a stream whose events keep coming once it has run maxMs, and lets the upstream go', async () => {
    const { stream, state } = endless(20);
    const started = Date.now();
    const { frames, text, summary } = await limited(stream, 300);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3_000);
    expect(frames.length).toBeGreaterThan(2);
    expect(lastEvent(frames)).toEqual({
      error: {
        message: "The stream reached the gateway's time limit of 300 ms (timeouts.streamMaxMs).",
        type: 'timeout_error',
        param: null,
        code: 'stream_time_limit',
      },
    });
    expect(text).not.toContain('[DONE]');
    expect(summary).toMatchObject({ completed: false, cancelled: false, errorCode: 'stream_time_limit' });
    expect(summary.events).toBe(frames.length - 1);
    expect(state.cancelled).toBe(true);
  });

  it('holds even when the upstream always has the next event ready', async () => {
    const { stream, state } = endless(0);
    const { frames, summary } = await limited(stream, 200);
    expect(lastEvent(frames).error.code).toBe('stream_time_limit');
    expect(summary.errorCode).toBe('stream_time_limit');
    expect(state.cancelled).toBe(true);
  });

  it('lets the upstream go at the limit even when the client has stopped reading', async () => {
    const { stream, state } = endless(10);
    let summary: StreamSummary | undefined;
    const reader = relayOpenAIStream(stream, {
      includeUsage: false,
      idleMs: 5_000,
      maxMs: 150,
      onEnd: (s) => (summary = s),
    }).getReader();
    await reader.read(); // one chunk, then the client goes quiet
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(state.cancelled).toBe(true);
    expect(summary?.errorCode).toBe('stream_time_limit');
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += new TextDecoder().decode(r.value);
    expect(rest).toContain('stream_time_limit'); // waiting for it when the client reads again
  });

  it('ends cleanly when the upstream keeps the connection open after [DONE]', async () => {
    for (const limits of [{ idleMs: 150 }, { idleMs: 5_000, maxMs: 150 }]) {
      const { stream, state } = stalling([`data: ${chunk('a')}\n\ndata: [DONE]\n\n`]);
      let summary: StreamSummary | undefined;
      const relay = relayOpenAIStream(stream, {
        includeUsage: false,
        ...limits,
        onEnd: (s) => (summary = s),
      });
      const text = await new Response(relay).text();
      expect(text).toBe(`data: ${chunk('a')}\n\ndata: [DONE]\n\n`);
      expect(await ended(() => summary)).toMatchObject({ completed: true, events: 1 });
      expect(summary?.errorCode).toBeUndefined();
      expect(state.cancelled).toBe(true);
    }
  });

  it('leaves a stream that finishes within the limit alone', async () => {
    const frames = ['a', 'b', 'c'].map((c) => `data: ${chunk(c)}\n\n`);
    const { text, summary } = await limited(paced([...frames, 'data: [DONE]\n\n'], 20), 2_000);
    expect(text).toBe(`${frames.join('')}data: [DONE]\n\n`);
    expect(summary).toMatchObject({ completed: true, events: 3 });
    expect(summary.errorCode).toBeUndefined();
  });
});

describe('relayOpenAIStream: provider error events', () => {
  const secret = 'Internal error on inference-7.corp.internal for account acct_8812: quota';

  it('replaces a mid-stream {"error"} with our generic event, keeps none of its words, and ends the stream', async () => {
    const { stream, state } = stalling([
      `data: ${chunk('Hel')}\n\n`,
      `data: ${JSON.stringify({ error: { message: secret, type: 'server_error', param: null, code: 'acct_8812' } })}\n\ndata: ${chunk('never')}\n\n`,
    ]);
    const { text, frames, summary } = await relayed(stream, 5_000);
    expect(text).not.toContain('acct_8812');
    expect(text).not.toContain('corp.internal');
    expect(text).not.toContain('never');
    expect(text).not.toContain('[DONE]');
    expect(frames).toHaveLength(2);
    expect(lastEvent(frames)).toEqual({
      error: {
        message: 'The upstream provider failed in the middle of the stream.',
        type: 'api_error',
        param: null,
        code: 'upstream_error',
      },
    });
    expect(summary.error).toBe('the upstream sent an error event (upstream_error)');
    expect(summary).toMatchObject({ completed: false, events: 1 });
    expect(state.cancelled).toBe(true);
  });

  it('keeps a code a client can act on, in our words', async () => {
    const limited = JSON.stringify({
      error: {
        message: `Rate limit reached for org-12345 on ${secret}`,
        type: 'requests',
        code: 'rate_limit_exceeded',
      },
    });
    const { text, frames } = await relayed(
      stalling([`data: ${chunk('a')}\n\n`, `data: ${limited}\n\n`]).stream,
      5_000,
    );
    expect(text).not.toContain('org-12345');
    expect(lastEvent(frames)).toEqual({
      error: {
        message: 'The upstream provider ended the stream: rate limit exceeded.',
        type: 'rate_limit_error',
        param: null,
        code: 'rate_limit_exceeded',
      },
    });
    const filtered = JSON.stringify({
      error: { message: secret, type: 'invalid_request_error', code: 'content_filter' },
    });
    const second = await relayed(source([`data: ${chunk('a')}\n\n`, `data: ${filtered}\n\n`]), 5_000);
    expect(lastEvent(second.frames).error).toMatchObject({
      code: 'content_filter',
      type: 'invalid_request_error',
    });
    expect(second.text).not.toContain('corp.internal');
    // Anthropic's overload mid-stream (its adapter writes the type as the code): a failed provider.
    const overloaded = JSON.stringify({
      error: { message: secret, type: 'api_error', code: 'overloaded_error' },
    });
    const third = await relayed(source([`data: ${chunk('a')}\n\n`, `data: ${overloaded}\n\n`]), 5_000);
    expect(lastEvent(third.frames).error).toMatchObject({ code: 'overloaded', type: 'api_error' });
    expect(streamVerdict(third.summary)).toBe('failed');
  });

  it('treats a named `event: error` as an error, whatever its data', async () => {
    const { text, frames, summary } = await relayed(
      source([`data: ${chunk('a')}\n\n`, `event: error\ndata: ${secret}\n\n`]),
      5_000,
    );
    expect(text).not.toContain('corp.internal');
    expect(lastEvent(frames).error.code).toBe('upstream_error');
    expect(summary.error).toBe('the upstream sent an error event (upstream_error)');
  });

  it('relays a chunk whose text merely mentions "error": as an ordinary chunk', async () => {
    const mention = chunk('{"error": "not really"}');
    const { text, summary } = await relayed(source([`data: ${mention}\n\n`, 'data: [DONE]\n\n']), 5_000);
    expect(text).toBe(`data: ${mention}\n\ndata: [DONE]\n\n`);
    expect(summary.error).toBeUndefined();
  });

  it('counts the answer text its events carried: content, reasoning, refusals and tool-call arguments', async () => {
    const event = (delta: object) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
    const { summary } = await relayed(
      source([
        event({ role: 'assistant', content: '' }),
        event({ reasoning_content: 'think' }),
        event({ content: 'Say "hi"' }), // escaped as Say \"hi\": 10 characters
        event({ refusal: 'no' }),
        // Arguments {\"q\":1}: 9 characters; the id and name are not answer text.
        event({
          tool_calls: [{ index: 0, id: 'call_1', function: { name: 'lookup', arguments: '{"q":1}' } }],
        }),
        // Text quoting a field name is counted once, as text (17 characters escaped).
        event({ content: '"content":"x"' }),
        'data: [DONE]\n\n',
      ]),
      5_000,
    );
    expect(summary.events).toBe(6);
    expect(summary.answerChars).toBe(0 + 5 + 10 + 2 + 9 + 17);
  });
});

describe('relayOpenAIStream: answer text of a very large event', () => {
  it('counts ten million characters of content without exhausting the stack', async () => {
    const content = 'x'.repeat(10_000_000);
    const frame = `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { content }, finish_reason: 'stop' }] })}\n\n`;
    const { summary } = await relayed(source([frame, 'data: [DONE]\n\n']), 5_000);
    expect(summary.completed).toBe(true);
    expect(summary.error).toBeUndefined();
    expect(summary.answerChars).toBe(10_000_000);
  });
});

describe('relayOpenAIStream: service tier', () => {
  it('takes the service tier the chunks name, not a mention of one in the text', async () => {
    const event = (fields: object) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }], ...fields })}\n\n`;
    const tierOf = async (frames: string[]) =>
      (await relayed(source([...frames, 'data: [DONE]\n\n']), 5_000)).summary.serviceTier;
    expect(await tierOf([event({ service_tier: 'priority' }), event({ service_tier: 'priority' })])).toBe(
      'priority',
    );
    expect(await tierOf([event({})])).toBeUndefined();
    const mention = `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { content: '"service_tier":"priority"' } }] })}\n\n`;
    expect(await tierOf([mention, event({ service_tier: 'default' })])).toBe('default');
  });
});

describe('streamVerdict: what a stream says about its provider', () => {
  const ended = (fields: Partial<StreamSummary>): StreamSummary => ({
    completed: false,
    cancelled: false,
    events: 1,
    answerChars: 0,
    ...fields,
  });

  it.each([
    [{ completed: true }, 'healthy'],
    [{ error: 'broke', errorCode: 'upstream_error' }, 'failed'],
    [{ error: 'quiet', errorCode: 'stream_idle_timeout' }, 'failed'],
    [{ error: 'limited', errorCode: 'rate_limit_exceeded' }, 'failed'],
    [{ error: 'too long', errorCode: 'context_length_exceeded' }, 'healthy'],
    [{ error: 'filtered', errorCode: 'content_filter' }, 'healthy'],
    [{ error: 'our limit', errorCode: 'stream_time_limit' }, 'none'],
    [{ error: 'our guardrail', errorCode: 'guardrail_blocked' }, 'none'],
    [{ cancelled: true }, 'none'],
    [{ cancelled: true, error: 'broke', errorCode: 'upstream_error' }, 'none'],
  ] as const)('%o → %s', (fields, verdict) => {
    expect(streamVerdict(ended(fields))).toBe(verdict);
  });
});

describe('relayOpenAIStream: framing and ends', () => {
  it('writes an event the upstream split over several data: lines as one the client can parse', async () => {
    const upstream = [
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",\n' +
        'data: "choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n',
      'data: [DONE]\n\n',
    ];
    let summary: StreamSummary | undefined;
    const text = await new Response(
      relayOpenAIStream(source(upstream), { includeUsage: false, onEnd: (s) => (summary = s) }),
    ).text();
    // As an SSE client reads it: an event's data lines joined with a line break.
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((block) =>
        block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n'),
      );
    expect(summary?.completed).toBe(true);
    expect(JSON.parse(events[0]!).choices[0].delta.content).toBe('hi');
    expect(events[1]).toBe('[DONE]');
  });

  it('ends an answer that finished and then went quiet as a whole answer, not an idle failure', async () => {
    let sent = false;
    const upstream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          const finished = chunk('hi').replace('"finish_reason":null', '"finish_reason":"stop"');
          controller.enqueue(encoder.encode(`data: ${finished}\n\n`));
        }
        return new Promise(() => {}); // then nothing: no usage, no [DONE], no close
      },
    });
    let summary: StreamSummary | undefined;
    const text = await new Response(
      relayOpenAIStream(upstream, { includeUsage: false, idleMs: 100, onEnd: (s) => (summary = s) }),
    ).text();
    expect(text).not.toContain('stream_idle_timeout');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(summary).toMatchObject({ completed: true, cancelled: false });
    expect(summary?.error).toBeUndefined();
  });
});
