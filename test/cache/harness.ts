// Shared pieces of the cache tests: an upstream that counts its calls, waiting for background
// cache writes, reading streams.
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { OPENAI_URL, openaiConfig } from '../helpers/gateway';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';

export const CHAT_URL = `${OPENAI_URL}/chat/completions`;

/** openaiConfig() with the exact cache turned on (it is off by default) and `cache` merged in. */
export function cachedConfig(cache: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const exact = (cache.exact ?? {}) as Record<string, unknown>;
  return openaiConfig({ ...extra, cache: { ...cache, exact: { enabled: true, ...exact } } });
}

export function completion(content: string, extra: Record<string, unknown> = {}) {
  return {
    id: `chatcmpl-${crypto.randomUUID()}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
    ...extra,
  };
}

export function chunk(
  id: string,
  choice: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string {
  return `data: ${JSON.stringify({
    id,
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, logprobs: null, finish_reason: null, ...choice }],
    ...extra,
  })}\n\n`;
}

/** An OpenAI SSE answer of `words`, with a usage chunk and [DONE]. */
export function streamOf(words: string[], finish = 'stop'): string[] {
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const usage = `data: ${JSON.stringify({
    id,
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [],
    usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
  })}\n\n`;
  return [
    chunk(id, { delta: { role: 'assistant', content: '' } }),
    ...words.map((word) => chunk(id, { delta: { content: word } })),
    chunk(id, { delta: {}, finish_reason: finish }),
    usage,
    'data: [DONE]\n\n',
  ];
}

/** The fake OpenAI answers `answer(n)` for its n-th call (JSON, or SSE when the request streams). */
export function upstream(answer: (n: number, streaming: boolean) => Response | string): () => number {
  let calls = 0;
  onUpstream(CHAT_URL, async (request) => {
    calls++;
    const body = (await request.json()) as { stream?: boolean };
    const out = answer(calls, body.stream === true);
    if (typeof out !== 'string') return out;
    return body.stream === true ? sse(streamOf(out.split(/(?= )/))) : json(completion(out));
  });
  return () => calls;
}

/** Waits until `count` exact entries exist in the namespace (cache writes run after the response). */
export async function stored(namespace: string, count = 1): Promise<string[]> {
  const prefix = `cache:exact:${namespace}:`;
  for (let i = 0; i < 200; i++) {
    const { keys } = await env.CACHE.list({ prefix });
    if (keys.length >= count) return keys.map((k) => k.name);
    await sleep(10);
  }
  expect.fail(`expected ${count} cache entries under ${prefix}`);
}

export async function entries(namespace: string): Promise<number> {
  return (await env.CACHE.list({ prefix: `cache:exact:${namespace}:` })).keys.length;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The text of the answer, from a JSON completion or by concatenating SSE deltas. */
export async function answerText(response: Response): Promise<string> {
  const text = await response.text();
  if (!response.headers.get('content-type')?.includes('text/event-stream')) {
    return (JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
  }
  let out = '';
  for (const frame of text.split('\n\n')) {
    if (!frame.startsWith('data: ') || frame === 'data: [DONE]') continue;
    const parsed = JSON.parse(frame.slice(6)) as { choices: { delta?: { content?: string | null } }[] };
    for (const choice of parsed.choices) out += choice.delta?.content ?? '';
  }
  return out;
}

export { recorded };
