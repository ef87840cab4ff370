// A client that leaves before the answer (its request's signal aborts — enable_request_signal):
// the upstream call is let go, nothing more is attempted, the row says cancelled (499
// client_closed), and the reservations are settled (the prompt charged if a provider had it).
import { waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { CHAT_URL, cachedConfig, completion, sleep } from '../cache/harness';
import { chatDirect } from '../helpers/direct';
import { admin, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { settled } from '../helpers/settled';
import { json, onUpstream } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

/** Sends a chat request straight to the worker with a signal the test aborts. */
async function chatUntil(key: string, body: unknown, signal: AbortSignal, requestId: string) {
  const { response, ctx } = await chatDirect(key, body, requestId, signal);
  await waitOnExecutionContext(ctx);
  return response;
}

/** An upstream that answers only when told to, and says whether the gateway let it go. */
function heldUpstream() {
  const state = { calls: 0, released: false, abandoned: 0, release: () => {} };
  const released = new Promise<void>((resolve) => {
    state.release = () => {
      state.released = true;
      resolve();
    };
  });
  onUpstream(CHAT_URL, async (request) => {
    state.calls++;
    const aborted = new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve()));
    await Promise.race([released, aborted]);
    if (request.signal.aborted) {
      state.abandoned++;
      throw request.signal.reason;
    }
    return json(completion('Paris'));
  });
  return state;
}

const question = { model: 'gpt', messages: [{ role: 'user', content: 'What is the capital of France?' }] };

async function usageOf(id: string): Promise<Json> {
  return (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage;
}

async function until(condition: () => boolean) {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(5);
  expect(condition()).toBe(true);
}

describe('a client that leaves before the answer', () => {
  it('lets the upstream call go, logs a cancelled 499 and charges only the prompt', async () => {
    // A second target that would answer at once: the request must not fail over to it.
    const fallback = {
      targets: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'mock', model: 'mock-1' },
      ],
    };
    expect((await putConfig(openaiConfig({ models: { gpt: fallback } }))).status).toBe(200);
    const upstream = heldUpstream();
    const { id, key } = await createKey({ budget: { usd: 10, period: 'month' } });
    const client = new AbortController();
    const pending = chatUntil(key, question, client.signal, 'abort-json');
    await until(() => upstream.calls === 1);
    client.abort();
    const response = await pending;
    expect(response.status).toBe(499);
    expect((await response.json<Json>()).error.code).toBe('client_closed');
    expect(upstream.abandoned).toBe(1);
    const row = (await waitForRows(['abort-json'])).get('abort-json');
    expect(row).toMatchObject({
      status: 499,
      errorCode: 'client_closed',
      cancelled: true,
      provider: 'openai',
    });
    expect(row?.attempts).toEqual([expect.objectContaining({ cancelled: true, status: 0 })]);
    // The prompt's estimate at gpt-4o-mini's input price; nothing left reserved.
    const usage = await usageOf(id);
    expect(usage.reservedUsd).toBe(0);
    expect(usage.spendUsd).toBeGreaterThan(0);
    expect(usage.spendUsd).toBeLessThan(0.000_01);
  });

  it('makes no more attempts once it has left during a retry backoff, and charges nothing', async () => {
    expect(
      (await putConfig(openaiConfig({ retry: { attempts: 3, baseDelayMs: 2000, maxDelayMs: 2000 } }))).status,
    ).toBe(200);
    let calls = 0;
    onUpstream(CHAT_URL, async () => {
      calls++;
      // retry-after fixes the backoff at 2 s (it is random otherwise).
      return json({ error: { message: 'overloaded', type: 'server_error' } }, 503, { 'retry-after': '2' });
    });
    const { id, key } = await createKey({ budget: { usd: 10, period: 'month' } });
    const client = new AbortController();
    const started = Date.now();
    const pending = chatUntil(key, question, client.signal, 'abort-backoff');
    await until(() => calls === 1);
    client.abort();
    const response = await pending;
    expect(response.status).toBe(499);
    expect(Date.now() - started).toBeLessThan(1500); // did not sit out the 2 s backoff
    expect(calls).toBe(1);
    const row = (await waitForRows(['abort-backoff'])).get('abort-backoff');
    expect(row).toMatchObject({ status: 499, errorCode: 'client_closed', cancelled: true });
    expect(row?.attempts).toEqual([expect.objectContaining({ status: 503 })]);
    const usage = await usageOf(id);
    expect(usage).toMatchObject({ reservedUsd: 0, spendUsd: 0 });
  });

  it('hands the identical requests waiting on it to one of them, which makes the one new upstream call', async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const upstream = heldUpstream();
    const { key } = await createKey();
    const client = new AbortController();
    const leader = chatUntil(key, question, client.signal, 'handover-leader');
    await until(() => upstream.calls === 1);
    const followers = ['a', 'b', 'c'].map((n) =>
      chatUntil(key, question, new AbortController().signal, `handover-${n}`),
    );
    await sleep(20); // all three wait for the leader's answer
    client.abort();
    expect((await leader).status).toBe(499);
    await until(() => upstream.calls === 2); // one follower asks in the leader's place…
    await sleep(30);
    expect(upstream.calls).toBe(2); // …and only one
    upstream.release();
    const responses = await Promise.all(followers);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const caches = responses.map((r) => r.headers.get('x-tollgate-cache')).sort();
    expect(caches).toEqual(['hit-exact', 'hit-exact', 'miss']);
    expect(upstream.abandoned).toBe(1);
  });

  it('stops waiting for the identical request in flight, and never calls the upstream itself', async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const upstream = heldUpstream();
    const { id, key } = await createKey({ budget: { usd: 10, period: 'month' } });
    const leader = chatUntil(key, question, new AbortController().signal, 'abort-leader');
    await until(() => upstream.calls === 1);
    const client = new AbortController();
    const follower = chatUntil(key, question, client.signal, 'abort-follower');
    await sleep(20); // waiting for the leader's answer
    client.abort();
    expect((await follower).status).toBe(499);
    upstream.release();
    expect((await leader).status).toBe(200);
    expect(upstream.calls).toBe(1);
    const rows = await waitForRows(['abort-leader', 'abort-follower']);
    expect(rows.get('abort-follower')).toMatchObject({ status: 499, cancelled: true, attempts: [] });
    expect(rows.get('abort-leader')).toMatchObject({ status: 200, cancelled: false });
    expect((await usageOf(id)).reservedUsd).toBe(0); // the follower's reservation was settled too
  });
});

describe('a client that leaves after the answer but before its usage', () => {
  it('is charged the usage the provider reports (read on for it), not an estimate from what was relayed', async () => {
    expect(
      (
        await putConfig(
          openaiConfig({ pricing: { 'openai/gpt-4o-mini': { inputPerMTok: 0, outputPerMTok: 10 } } }),
        )
      ).status,
    ).toBe(200);
    const { id, key } = await createKey({ budget: { usd: 10, period: 'month' } });
    const encoder = new TextEncoder();
    const frame = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
    const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm' };
    // A reasoning model: 20,000 completion tokens (hidden reasoning), two visible chunks.
    const frames = [
      frame({
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: '42' }, finish_reason: null }],
      }),
      frame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      frame({
        ...base,
        choices: [],
        usage: { prompt_tokens: 10, completion_tokens: 20_000, total_tokens: 20_010 },
      }),
      'data: [DONE]\n\n',
    ];
    onUpstream(`${OPENAI_URL}/chat/completions`, () => {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent === frames.length) return controller.close();
          if (sent === 2) await new Promise((resolve) => setTimeout(resolve, 50)); // usage a moment later
          controller.enqueue(encoder.encode(frames[sent++]!));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    // The request's signal aborts on a disconnect in production (enable_request_signal).
    const client = new AbortController();
    const { response, ctx } = await chatDirect(
      key,
      { model: 'gpt', stream: true, max_tokens: 25_000, messages: [{ role: 'user', content: 'q' }] },
      'leave-after-finish',
      client.signal,
    );
    const reader = response.body!.getReader();
    let text = '';
    // A client that stops at finish_reason (a common loop) — it has the whole answer.
    while (!text.includes('"finish_reason":"stop"'))
      text += new TextDecoder().decode((await reader.read()).value);
    client.abort();
    await reader.cancel();
    await waitOnExecutionContext(ctx);
    await settled();
    const usage = await usageOf(id);
    // 20,000 × $10/M = $0.20 is what the provider bills.
    expect(usage.spendUsd).toBeGreaterThanOrEqual(0.2);
  });
});
