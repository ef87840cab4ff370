// A fast OpenAI-compatible mock upstream on 127.0.0.1 for benchmarks and fault tests: JSON and SSE
// chat completions, embeddings, configurable latency and fault rate. Paths under /fail/ always 500.
import { createServer } from 'node:http';

const completion = (model) =>
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello from the bench upstream.', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
  });

const chunk = (model, delta, finish = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;

const WORDS = ['Hello', ' from', ' the', ' bench', ' upstream', '.'];

export function startUpstream({ latencyMs = 0, faultRate = 0, chunkDelayMs = 0 } = {}) {
  const server = createServer((req, res) => {
    const parts = [];
    req.on('data', (part) => parts.push(part));
    req.on('end', () => {
      const respond = () => {
        if (req.url.startsWith('/fail/') || (faultRate > 0 && Math.random() < faultRate)) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":{"message":"bench upstream failure","type":"server_error"}}');
          return;
        }
        let body = {};
        try {
          body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}');
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end('{"error":{"message":"invalid json"}}');
          return;
        }
        const model = body.model ?? 'bench-model';
        if (req.url.endsWith('/embeddings')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              object: 'list',
              data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
              model,
              usage: { prompt_tokens: 3, total_tokens: 3 },
            }),
          );
          return;
        }
        if (!body.stream) {
          const text = completion(model);
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
          });
          res.end(text);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const frames = [
          chunk(model, { role: 'assistant', content: '' }),
          ...WORDS.map((w) => chunk(model, { content: w })),
          chunk(model, {}, 'stop'),
        ];
        if (body.stream_options?.include_usage) {
          frames.push(
            `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 } })}\n\n`,
          );
        }
        frames.push('data: [DONE]\n\n');
        if (chunkDelayMs === 0) {
          res.end(frames.join(''));
          return;
        }
        let i = 0;
        const next = () => {
          if (i >= frames.length) return res.end();
          res.write(frames[i++]);
          setTimeout(next, chunkDelayMs);
        };
        next();
      };
      if (latencyMs > 0) setTimeout(respond, latencyMs);
      else respond();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${server.address().port}` }),
    );
  });
}
