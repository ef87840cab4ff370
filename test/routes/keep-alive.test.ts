// Keep-alive comments on a stream whose upstream has gone quiet (timeouts.streamKeepAliveMs): the
// official SDKs read the streams they are in as if they were not there, and a client that left during
// the silence is found by the comment's failed write (the upstream let go, the row cancelled).

import { waitOnExecutionContext } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { chunk, usageChunk } from '../helpers/chat-chunks';
import { chatDirect, messagesDirect } from '../helpers/direct';
import { admin, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { onUpstream } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const KEEP_ALIVE = ': keep-alive\n\n';
const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Comments after 100 ms of quiet; the idle limit far beyond what any test here waits. */
async function quietConfig() {
  const config = openaiConfig({ timeouts: { streamKeepAliveMs: 100, streamIdleMs: 10_000 } });
  expect((await putConfig(config)).status).toBe(200);
}

/**
 * An OpenAI upstream that sends its first chunk, thinks for `thinkMs` (forever without it), then
 * finishes; `state` says whether the gateway let it go.
 */
function thinkingUpstream(thinkMs?: number) {
  const state = { cancelled: false };
  onUpstream(`${OPENAI_URL}/chat/completions`, () => {
    const parts = [chunk({ role: 'assistant', content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop')];
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 1) {
          if (thinkMs === undefined) return new Promise<void>(() => {});
          await sleep(thinkMs);
        }
        if (sent === parts.length) {
          controller.enqueue(encoder.encode(`${usageChunk}data: [DONE]\n\n`));
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(parts[sent++]!));
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  });
  return state;
}

/** The Worker's fetch, keeping a copy of each response body's raw text for the test to read. */
function recordingFetch(raw: Promise<string>[]) {
  return async (url: RequestInfo | URL, init?: RequestInit) => {
    const response = await exports.default.fetch(new Request(url, init));
    if (!response.body) return response;
    const [forClient, copy] = response.body.tee();
    raw.push(new Response(copy).text());
    return new Response(forClient, response);
  };
}

/** The openai SDK with a new key, and the raw text of each answer it got. */
async function recordingClient() {
  const { key } = await createKey();
  const raw: Promise<string>[] = [];
  const client = new OpenAI({
    apiKey: key,
    baseURL: 'https://gateway.test/v1',
    maxRetries: 0,
    fetch: recordingFetch(raw),
  });
  return { client, raw };
}

describe('keep-alive comments read by the official SDKs', () => {
  it('the openai SDK streams a chat completion with comments in it', async () => {
    await quietConfig();
    thinkingUpstream(350);
    const { client, raw } = await recordingClient();
    const stream = await client.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const part of stream) {
      text += part.choices[0]?.delta?.content ?? '';
      if (part.usage) usage = part.usage;
    }
    expect(text).toBe('Hello');
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2 });
    const sent = await raw[0]!;
    expect(sent).toContain(`\n\n${KEEP_ALIVE}data: `);
    // One every 100 ms of the 350 ms of thinking (the first event already sent).
    expect(sent.split(KEEP_ALIVE).length - 1).toBeGreaterThanOrEqual(2);
  });

  it('the openai SDK streams a response (/v1/responses) with comments in it', async () => {
    await quietConfig();
    thinkingUpstream(350);
    const { client, raw } = await recordingClient();
    const final = await client.responses.stream({ model: 'gpt', input: 'hi' }).finalResponse();
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('Hello');
    expect(await raw[0]!).toContain(`\n\n${KEEP_ALIVE}event: `);
  });

  it('the anthropic SDK streams a message (/v1/messages) with comments in it', async () => {
    await quietConfig();
    thinkingUpstream(350);
    const { key } = await createKey();
    const raw: Promise<string>[] = [];
    const client = new Anthropic({
      apiKey: key,
      baseURL: 'https://gateway.test',
      maxRetries: 0,
      fetch: recordingFetch(raw),
    });
    const final = await client.messages
      .stream({ model: 'gpt', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(await raw[0]!).toContain(`\n\n${KEEP_ALIVE}event: `);
  });
});

describe('a client that leaves while the upstream is quiet', () => {
  for (const [api, send] of [
    ['chat completions', chatDirect],
    ['messages', messagesDirect],
  ] as const) {
    it(`is found by the next keep-alive (${api}): the upstream let go, the row cancelled, the budget settled`, async () => {
      await quietConfig();
      const upstream = thinkingUpstream(); // never speaks again
      const { id, key } = await createKey({ budget: { usd: 10, period: 'month' } });
      const requestId = `keep-alive-left-${api.replace(' ', '-')}`;
      // No request signal (as under wrangler dev): only a failed write can tell the client left.
      const ask = {
        model: 'gpt',
        stream: true,
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hi' }],
      };
      const { response, ctx } = await send(key, ask, requestId);
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      await reader.read();
      const left = Date.now();
      await reader.cancel();
      for (let i = 0; i < 200 && !upstream.cancelled; i++) await sleep(10);
      expect(upstream.cancelled).toBe(true);
      expect(Date.now() - left).toBeLessThan(1_500); // about one interval, not streamIdleMs
      await waitOnExecutionContext(ctx);
      const row = (await waitForRows([requestId])).get(requestId);
      expect(row).toMatchObject({ status: 200, stream: true, cancelled: true, errorCode: null });
      expect(row?.outputTokens).toBeGreaterThanOrEqual(1);
      const usage = (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage;
      expect(usage.reservedUsd).toBe(0);
      expect(usage.spendUsd).toBeGreaterThan(0);
    });
  }
});
