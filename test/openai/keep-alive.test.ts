import { createParser } from 'eventsource-parser';
import { describe, expect, it, vi } from 'vitest';
import { KeepAlive } from '../../src/openai/keep-alive';
import { carriedEventStream } from '../../src/openai/responses-carried';
import { relayOpenAIStream } from '../../src/openai/stream-relay';
import type { StreamSummary } from '../../src/openai/stream-summary';

const encoder = new TextEncoder();
const KEEP_ALIVE = ': keep-alive\n\n';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const chunk = (content: string) =>
  `data: ${JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  })}\n\n`;
const finish = `data: ${JSON.stringify({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
})}\n\n`;

/** An upstream that sends each part after its delay (ms), then closes; or stays silent after them with `hold`. */
function timed(parts: [number, string][], hold = false) {
  const state = { cancelled: false };
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const part = parts[index++];
      if (part === undefined) {
        if (hold) return new Promise<void>(() => {});
        return controller.close();
      }
      await sleep(part[0]);
      controller.enqueue(encoder.encode(part[1]));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

async function relayed(stream: ReadableStream<Uint8Array>, keepAliveMs: number) {
  let summary: StreamSummary | undefined;
  const relay = relayOpenAIStream(stream, {
    includeUsage: false,
    idleMs: 5_000,
    keepAliveMs,
    onEnd: (s) => (summary = s),
  });
  const text = await new Response(relay).text();
  await vi.waitFor(() => expect(summary).toBeDefined());
  return { text, summary: summary! };
}

/** The data of every event an SSE parser finds in `text` (comments are not events). */
function eventsOf(text: string): string[] {
  const data: string[] = [];
  const parser = createParser({ onEvent: (event) => data.push(event.data) });
  parser.feed(text);
  return data;
}

describe('relayOpenAIStream: keep-alive comments', () => {
  it('sends a comment after keepAliveMs with nothing written, between events, and counts it as no output', async () => {
    const started = Date.now();
    // Silent for 300 ms before its first event, and again before its second.
    const { stream } = timed([
      [300, chunk('a')],
      [300, chunk('b')],
      [0, `${finish}data: [DONE]\n\n`],
    ]);
    const { text, summary } = await relayed(stream, 100);
    expect(text.startsWith(KEEP_ALIVE)).toBe(true);
    expect(text).toContain(`${chunk('a')}${KEEP_ALIVE}`);
    // Every piece is a whole comment or a whole event.
    expect(text.replaceAll(KEEP_ALIVE, '')).toBe(`${chunk('a')}${chunk('b')}${finish}data: [DONE]\n\n`);
    expect(eventsOf(text)).toHaveLength(4);
    expect(summary).toMatchObject({ completed: true, cancelled: false, events: 3 });
    // The first byte is the first event's, not a comment's.
    expect(summary.firstByteAt).toBeGreaterThanOrEqual(started + 250);
  });

  it('sends none while the upstream keeps talking', async () => {
    const parts: [number, string][] = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((c) => [40, chunk(c)]);
    const { stream } = timed([...parts, [40, `${finish}data: [DONE]\n\n`]]);
    const { text, summary } = await relayed(stream, 200);
    expect(text).not.toContain('keep-alive');
    expect(summary.events).toBe(9);
  });

  it('never splits an event: an upstream pausing inside one gets the comment before the whole event', async () => {
    const event = chunk('split');
    const { stream } = timed([
      [0, chunk('a')],
      [0, event.slice(0, 20)],
      [300, `${event.slice(20)}${finish}data: [DONE]\n\n`],
    ]);
    const { text } = await relayed(stream, 100);
    expect(text).toContain(`${chunk('a')}${KEEP_ALIVE}`);
    expect(text).toContain(`${KEEP_ALIVE}${event}`);
    expect(text.replaceAll(KEEP_ALIVE, '')).toBe(`${chunk('a')}${event}${finish}data: [DONE]\n\n`);
  });

  it('finds a client that left during the silence by the failed comment: the upstream let go, the stream cancelled', async () => {
    const { stream, state } = timed([[0, chunk('a')]], true);
    let summary: StreamSummary | undefined;
    // No request signal, and an idle limit far off: only the comment's write can tell.
    const reader = relayOpenAIStream(stream, {
      includeUsage: false,
      idleMs: 10_000,
      keepAliveMs: 100,
      onEnd: (s) => (summary = s),
    }).getReader();
    await reader.read();
    const left = Date.now();
    await reader.cancel('client went away');
    await vi.waitFor(() => expect(state.cancelled).toBe(true), { timeout: 2_000, interval: 10 });
    expect(Date.now() - left).toBeLessThan(1_000);
    expect(summary).toMatchObject({ cancelled: true, events: 1 });
    expect(summary?.errorCode).toBeUndefined();
  });
});

describe("a native request's stream (carried events)", () => {
  it("passes the relay's comments between the provider's events, and none after its last", async () => {
    const carried = (event: Record<string, unknown>) =>
      `data: ${JSON.stringify({ id: 'c', choices: [], native_event: JSON.stringify(event) })}\n\n`;
    const created = { type: 'response.created', sequence_number: 0 };
    const completed = { type: 'response.completed', sequence_number: 1 };
    const chat = `${carried(created)}${KEEP_ALIVE}${carried(completed)}${KEEP_ALIVE}data: [DONE]\n\n`;
    const body = new Response(chat).body!.pipeThrough(carriedEventStream());
    expect(await new Response(body).text()).toBe(
      `event: response.created\ndata: ${JSON.stringify(created)}\n\n${KEEP_ALIVE}` +
        `event: response.completed\ndata: ${JSON.stringify(completed)}\n\n`,
    );
  });
});

describe('KeepAlive', () => {
  it('writes on a quiet stream, waits for the last comment to be taken, and stops for good', async () => {
    let writes = 0;
    let take = () => {};
    const gone = vi.fn();
    const keepAlive = new KeepAlive(
      50,
      () => {
        writes++;
        return new Promise<void>((resolve) => {
          take = resolve;
        });
      },
      gone,
    );
    await sleep(80);
    expect(writes).toBe(1);
    await sleep(150); // not taken: no second comment queued behind it
    expect(writes).toBe(1);
    take();
    await sleep(80);
    expect(writes).toBe(2);
    keepAlive.stop();
    take();
    await sleep(150);
    expect(writes).toBe(2);
    expect(gone).not.toHaveBeenCalled();
  });

  it('is put off by every write, and tells of a comment whose write failed', async () => {
    const failure = new Error('gone');
    const gone = vi.fn();
    let writes = 0;
    const keepAlive = new KeepAlive(
      100,
      () => {
        writes++;
        return Promise.reject(failure);
      },
      gone,
    );
    for (let i = 0; i < 5; i++) {
      await sleep(40);
      keepAlive.wrote();
    }
    expect(writes).toBe(0);
    await vi.waitFor(() => expect(gone).toHaveBeenCalledWith(failure), { timeout: 1_000, interval: 10 });
    keepAlive.stop();
  });
});
