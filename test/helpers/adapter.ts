// Adapters driven directly (no gateway): a fetch that records each request body and answers with
// `respond`, and a stream run through the gateway's relay as routes/chat-stream-answer.ts runs it.
import { env } from 'cloudflare:workers';
import { chatRequest } from '../../src/openai/schemas';
import { relayOpenAIStream } from '../../src/openai/stream-relay';
import type { StreamSummary } from '../../src/openai/stream-summary';
import { createAnthropic } from '../../src/providers/anthropic';
import { createGemini } from '../../src/providers/gemini';
import type { Json } from './gateway';

const signal = new AbortController().signal;

/** The whole text as one chunk. */
export function bytes(text: string): ReadableStream<Uint8Array> {
  const all = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(all);
      controller.close();
    },
  });
}

export const sse = { headers: { 'content-type': 'text/event-stream' } };

function driven(create: typeof createAnthropic | typeof createGemini, type: string, model: string) {
  return (respond: () => Response) => {
    const sent: Json[] = [];
    const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      sent.push(JSON.parse(String(init?.body)));
      return respond();
    }) as typeof globalThis.fetch;
    const adapter = create(type, { type, apiKey: 'k' } as never, { env, fetch });
    const chat = (body: Record<string, unknown>) =>
      adapter.chat({
        body: chatRequest.parse({ model: 'alias', messages: [{ role: 'user', content: 'Hi' }], ...body }),
        model,
        signal,
        requestId: 'r',
      });
    return { sent, chat };
  };
}

export const anthropicAdapter = driven(createAnthropic, 'anthropic', 'claude-opus-4-6');
export const geminiAdapter = driven(createGemini, 'gemini', 'gemini-3-flash');

/** An adapter's stream through the relay: the bytes a client gets, and the summary the gateway settles on. */
export async function relayed(
  stream: ReadableStream<Uint8Array>,
): Promise<{ text: string; summary: StreamSummary }> {
  let summary: StreamSummary | undefined;
  const out = relayOpenAIStream(stream, { includeUsage: true, onEnd: (s) => (summary = s) });
  const text = await new Response(out).text();
  for (let i = 0; i < 400 && !summary; i++) await new Promise((r) => setTimeout(r, 5));
  if (!summary) throw new Error('the relay never ended');
  return { text, summary };
}
