// A misbehaving OpenAI-compatible upstream on 127.0.0.1 for the fault and load suites. The first
// path segment picks the behaviour (`/<fault>/v1/chat/completions`); every request is recorded with
// its prompt and whether its socket was closed, so a suite can prove the gateway aborted a call.
import { createServer } from 'node:http';

const ID = 'chatcmpl-fault';
const USAGE = { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 };

export const completion = (model, content = 'Hello from the fault upstream.') =>
  JSON.stringify({
    id: ID,
    object: 'chat.completion',
    created: 1,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: USAGE,
  });

const chunk = (model, delta, finish = null) =>
  `data: ${JSON.stringify({ id: ID, object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
const usageChunk = (model) =>
  `data: ${JSON.stringify({ id: ID, object: 'chat.completion.chunk', created: 1, model, choices: [], usage: USAGE })}\n\n`;

/** A well-formed stream: role, six words, stop, usage, [DONE]. */
export function streamFrames(model) {
  return [
    chunk(model, { role: 'assistant', content: '' }),
    ...['Hello', ' from', ' the', ' fault', ' upstream', '.'].map((w) => chunk(model, { content: w })),
    chunk(model, {}, 'stop'),
    usageChunk(model),
    'data: [DONE]\n\n',
  ];
}

const ERROR_BODY = JSON.stringify({
  error: { message: 'upstream overloaded (internal detail sk-upstream-secret)', type: 'server_error' },
});

/**
 * Behaviours by first path segment. Each gets (req, res, body, record) after the request body has
 * been read; `body` is the parsed JSON (or {}).
 */
const FAULTS = {
  /** A healthy provider, JSON or SSE. */
  ok(_req, res, body) {
    const model = body.model ?? 'fault-model';
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(streamFrames(model).join(''));
      return;
    }
    const text = completion(model);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  },
  /** The connection is reset before any answer. */
  'reset-early'(req) {
    req.socket.resetAndDestroy();
  },
  /** Headers and half the body, then a reset. */
  'reset-body'(req, res, body) {
    if (body.stream) {
      // The stream's headers, then a reset before the first event.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      setTimeout(() => req.socket.resetAndDestroy(), 20);
      return;
    }
    const text = completion(body.model ?? 'fault-model');
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.write(text.slice(0, text.length >> 1));
    setTimeout(() => req.socket.resetAndDestroy(), 20);
  },
  /** Three events of a stream, then a reset. */
  'reset-stream'(req, res, body) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(
      streamFrames(body.model ?? 'fault-model')
        .slice(0, 3)
        .join(''),
    );
    setTimeout(() => req.socket.resetAndDestroy(), 50);
  },
  /** Headers and the first byte at once, then the rest one byte per second. */
  drip(_req, res, body, record) {
    const model = body.model ?? 'fault-model';
    const text = body.stream ? streamFrames(model).join('') : completion(model);
    res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json' });
    let at = 0;
    const next = () => {
      if (at >= text.length) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(text[at++]);
      record.bytes = at;
    };
    const timer = setInterval(next, 1000);
    next();
    res.on('close', () => clearInterval(timer));
  },
  /** A stream that sends its first two events, then nothing, holding the socket open. */
  stall(_req, res, body) {
    const model = body.model ?? 'fault-model';
    res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json' });
    if (body.stream) res.write(streamFrames(model).slice(0, 2).join(''));
  },
  /** A 200 whose body is not JSON. */
  'bad-json'(_req, res, body) {
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"chatcmpl-fault","choices":[{"delta":');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":"chatcmpl-fault","object":"chat.completion","choices":[{"message":');
  },
  /** A 200 event stream that is not SSE at all, or whose events are not JSON. */
  'bad-sse'(_req, res, body) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (body.messages?.[0]?.content?.includes('garbage-data'))
      res.end('data: {"choices": [{"delta": {"content": "oops"\n\ndata: not json at all\n\n');
    else res.end('<html><body>502 Bad Gateway</body></html>\n');
  },
  /** HTTP 200 carrying an error object instead of a completion. */
  'error-200'(_req, res, body) {
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${ERROR_BODY}\n\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(ERROR_BODY);
  },
  /** A 50 MiB answer: one completion whose content is 50 MiB, or a stream carrying 50 MiB of content. */
  huge(_req, res, body) {
    const model = body.model ?? 'fault-model';
    const total = 50 * 1024 * 1024;
    if (!body.stream) {
      const text = completion(model, 'x'.repeat(total));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const piece = 64 * 1024;
    const frame = chunk(model, { content: 'y'.repeat(piece) });
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += piece;
        if (!res.write(frame)) return void res.once('drain', pump);
      }
      res.end([chunk(model, {}, 'stop'), usageChunk(model), 'data: [DONE]\n\n'].join(''));
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  },
  /** A 500 with an error body, for failover. */
  fail(_req, res) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(ERROR_BODY);
  },
  /** An endless stream (an event every 50 ms) for as long as the socket stays open. */
  endless(_req, res, body, record) {
    const model = body.model ?? 'fault-model';
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk(model, { role: 'assistant', content: '' }));
    const timer = setInterval(() => {
      res.write(chunk(model, { content: ` word${record.events++}` }));
    }, 50);
    res.on('close', () => clearInterval(timer));
  },
  /** Healthy but for a share (`flakyRate`) of requests: half of those 500, half reset. */
  flaky(req, res, body, record, options) {
    const roll = Math.random();
    if (roll < options.flakyRate / 2) return FAULTS.fail(req, res, body, record, options);
    if (roll < options.flakyRate) return FAULTS['reset-early'](req, res, body, record, options);
    return FAULTS.ok(req, res, body, record, options);
  },
};

export const FAULT_NAMES = Object.keys(FAULTS);

/**
 * Starts the upstream. `requests` lists every request (fault, prompt, stream, socketClosedAt…);
 * `flakyRate` is the failure share of `/flaky/`.
 */
export function startFaultUpstream({ flakyRate = 0.2 } = {}) {
  const requests = [];
  const options = { flakyRate };
  const server = createServer((req, res) => {
    const parts = [];
    const record = {
      fault: req.url.split('/')[1] ?? '',
      path: req.url,
      prompt: '',
      stream: false,
      events: 0,
      bytes: 0,
      receivedAt: Date.now(),
      /** Set when the connection closed before the response was complete: the caller went away. */
      abortedAt: undefined,
      finished: false,
    };
    requests.push(record);
    res.once('finish', () => {
      record.finished = true;
    });
    res.once('close', () => {
      if (!res.writableFinished) record.abortedAt = Date.now();
    });
    req.on('data', (part) => parts.push(part));
    req.on('end', () => {
      let body = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}');
      } catch {
        // the gateway always sends JSON; keep {} if not
      }
      record.stream = body.stream === true;
      const last = Array.isArray(body.messages) ? body.messages.at(-1) : undefined;
      record.prompt = typeof last?.content === 'string' ? last.content : '';
      const behave = FAULTS[record.fault];
      if (!behave) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"no such fault","type":"invalid_request_error"}}');
        return;
      }
      behave(req, res, body, record, options);
    });
  });
  // Long keep-alive, as a real provider: the gateway's pool must never race an idle close. A socket
  // that closes while its response is unfinished was therefore closed by the gateway.
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      resolve({
        url,
        server,
        requests,
        /** The recorded requests whose prompt contains `tag`. */
        find: (tag) => requests.filter((r) => r.prompt.includes(tag)),
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
