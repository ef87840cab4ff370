// Outbound fetch, mocked: tests declare what "the provider" answers; anything undeclared fails
// the test instead of reaching the network.
export interface RecordedRequest {
  url: string;
  method: string;
  headers: Headers;
  /** Parsed JSON body (or the raw text when it is not JSON). */
  body: unknown;
}

type Handler = (request: Request, recorded: RecordedRequest) => Response | Promise<Response>;

const realFetch = globalThis.fetch;
let routes: { match: (url: URL) => boolean; handler: Handler }[] = [];
export const recorded: RecordedRequest[] = [];
export const unexpected: string[] = [];

async function fakeFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const text = request.body ? await request.clone().text() : '';
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // keep text
  }
  const entry: RecordedRequest = { url: request.url, method: request.method, headers: request.headers, body };
  const route = routes.find((r) => r.match(url));
  if (!route) {
    unexpected.push(`${request.method} ${request.url}`);
    throw new TypeError(`Network access is not allowed in tests: ${request.method} ${request.url}`);
  }
  recorded.push(entry);
  if (request.signal.aborted) throw request.signal.reason;
  return route.handler(request, entry);
}

/** Answers requests whose URL starts with `prefix` (e.g. 'https://api.openai.com/v1/chat/completions'). */
export function onUpstream(prefix: string, handler: Handler): void {
  routes.push({ match: (url) => url.href.startsWith(prefix), handler });
  globalThis.fetch = fakeFetch as typeof fetch;
}

export function resetUpstream(): void {
  routes = [];
  recorded.length = 0;
  unexpected.length = 0;
  globalThis.fetch = fakeFetch as typeof fetch;
}

export function restoreRealFetch(): void {
  globalThis.fetch = realFetch;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function sse(frames: string[], headers: Record<string, string> = {}): Response {
  const encoder = new TextEncoder();
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index >= frames.length) controller.close();
      else controller.enqueue(encoder.encode(frames[index++]));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream', ...headers } });
}

/**
 * An OpenAI chat completion: one assistant message `content`, finished by `stop`, with `usage`;
 * `fields` (an id, a model) replace the defaults.
 */
export function chatCompletion(
  content: string,
  usage: Record<string, number>,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage,
    ...fields,
  };
}

/** OpenAI's answer "hi" served on `tier`, as JSON or as a stream that ends with a usage chunk. */
export function answerOnTier(stream: boolean | undefined, tier: string, usage: object): Response {
  if (!stream)
    return json({
      id: 'c',
      object: 'chat.completion',
      service_tier: tier,
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage,
    });
  const chunk = (rest: object) =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', service_tier: tier, ...rest })}\n\n`;
  return sse([
    chunk({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }] }),
    chunk({ choices: [], usage }),
    'data: [DONE]\n\n',
  ]);
}
