// A stored response is in D1 before its client has it as final: the JSON answer once its row is
// written, a stream's response.completed likewise, so a continuation through any isolate finds it.
// The Worker is called with an execution context no test waits on: waitUntil work is not awaited.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../src/env';
import worker from '../../src/index';
import { STORE_WAIT_MS } from '../../src/responses-store/keeping';
import { type Json, openaiKey } from '../helpers/gateway';

let key: string;

beforeEach(async () => {
  key = await openaiKey();
});

afterEach(() => {
  vi.restoreAllMocks();
});

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The Worker's env with D1's member `name` replaced where `replaced` gives one. */
function envWith(replaced: (target: D1Database, name: string | symbol) => unknown): Env {
  const DB = new Proxy(env.DB, {
    get(target, name) {
      const replacement = replaced(target, name);
      if (replacement !== undefined) return replacement;
      const value = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...env, DB };
}

/** The Worker's env with a D1 whose batches (a stored response's write is one) wait for `before`. */
function envWithBatch(before: () => Promise<void>): Env {
  return envWith((target, name) =>
    name === 'batch'
      ? async (statements: D1PreparedStatement[]) => {
          await before();
          return target.batch(statements);
        }
      : undefined,
  );
}

/** POST /v1/responses straight to the Worker's fetch, with a context the caller may wait on (or not). */
async function respond(workerEnv: Env, body: Json) {
  const ctx = createExecutionContext();
  const request = new Request('https://gateway.test/v1/responses', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { response: await worker.fetch(request, workerEnv, ctx), ctx };
}

/** The ids of `id`'s row in D1 itself (not through the isolate's writes in flight): [] or [id]. */
async function rowOf(id: string): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT id FROM stored_responses WHERE id = ?')
    .bind(id)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

/** Reads a Responses stream up to its closing event; that event's data, the instant it is read. */
async function closingEvent(body: ReadableStream<Uint8Array>): Promise<Json> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended without response.completed: ${text}`);
    text += decoder.decode(value, { stream: true });
    const frame = text.split('\n\n').find((f) => f.startsWith('event: response.completed\n'));
    if (frame) {
      reader.releaseLock();
      return JSON.parse(frame.slice(frame.indexOf('data: ') + 6));
    }
  }
}

describe('stored responses, read your writes', () => {
  it('writes the row before the JSON answer is returned, however slow D1 is', async () => {
    const slow = envWithBatch(() => pause(300));
    const { response } = await respond(slow, { model: 'fast', input: 'Hi' });
    expect(response.status).toBe(200);
    const answer: Json = await response.json();
    expect(answer.store).toBe(true);
    expect(await rowOf(answer.id)).toEqual([answer.id]);
  });

  it('writes the row before a stream says response.completed', async () => {
    const slow = envWithBatch(() => pause(300));
    const { response } = await respond(slow, { model: 'fast', input: 'Hi', stream: true });
    expect(response.status).toBe(200);
    const closing = await closingEvent(response.body!);
    expect(closing.response.status).toBe('completed');
    expect(await rowOf(closing.response.id)).toEqual([closing.response.id]);
  });

  it('answers anyway when the write fails, and logs it without the conversation', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const lost = new Error('D1_ERROR: Network connection lost.');
    const failing = envWithBatch(() => Promise.reject(lost));
    // Preparing the write throwing (not D1's way, but a throw all the same) fails no answer either.
    const unpreparable = envWith((target, name) =>
      name === 'prepare'
        ? (sql: string) => {
            if (sql.includes('INTO stored_responses')) throw lost;
            return target.prepare(sql);
          }
        : undefined,
    );
    for (const [workerEnv, stream] of [
      [failing, false],
      [unpreparable, false],
      [unpreparable, true],
    ] as const) {
      errors.mockClear();
      const { response, ctx } = await respond(workerEnv, { model: 'fast', input: 'my secret plan', stream });
      expect(response.status).toBe(200);
      const id = stream ? (await closingEvent(response.body!)).response.id : (await response.json<Json>()).id;
      await waitOnExecutionContext(ctx);
      expect(await rowOf(id)).toEqual([]);
      const logged = errors.mock.calls.map((args) => args.map(String).join(' '));
      expect(logged.filter((line) => line.startsWith('storing response failed'))).toEqual([
        expect.stringContaining(id),
      ]);
      expect(logged.join('\n')).not.toContain('secret plan');
    }
  });

  it('waits for nothing when nothing is stored', async () => {
    const hung = envWithBatch(() => new Promise<void>(() => {}));
    for (const stream of [false, true]) {
      const started = Date.now();
      const { response } = await respond(hung, { model: 'fast', input: 'Hi', store: false, stream });
      const closing = stream ? (await closingEvent(response.body!)).response : await response.json();
      expect(closing.store).toBe(false);
      expect(Date.now() - started).toBeLessThan(STORE_WAIT_MS / 2);
    }
  });

  it(`answers after ${STORE_WAIT_MS} ms when D1 hangs, and the write goes on after`, async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hung = envWithBatch(() => held);
    const started = Date.now();
    const { response, ctx } = await respond(hung, { model: 'fast', input: 'Hi' });
    const answer: Json = await response.json();
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(STORE_WAIT_MS - 50);
    expect(await rowOf(answer.id)).toEqual([]);
    expect(errors.mock.calls.map((args) => args.map(String).join(' ')).join('\n')).toContain(
      `storing response ${answer.id} took over`,
    );
    release();
    await waitOnExecutionContext(ctx);
    expect(await rowOf(answer.id)).toEqual([answer.id]);
  });
});
