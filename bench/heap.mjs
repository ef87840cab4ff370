// The gateway isolate's own JavaScript heap, read over the V8 inspector that Miniflare opens with
// `inspectorPort`: after a forced garbage collection, so what remains is what the gateway holds.
// The workerd RSS also counts local D1/KV data and native caches; this number does not.
import { createRequire } from 'node:module';
import { createServer } from 'node:net';

/** A free loopback port for the inspector. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Connects to the worker named `name`; returns heapAfterGc() → bytes used, and close(). workerd
 * handles the inspector (even its WebSocket handshake) only when the isolate next runs, so `poke`
 * (a cheap request to the worker) is sent every 100 ms while an answer is awaited.
 */
export async function inspectWorker(port, name, poke) {
  // `ws` comes with Miniflare (Node 20 has no WebSocket client of its own).
  const WebSocket = createRequire(createRequire(import.meta.url).resolve('miniflare'))('ws');
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.title === `workerd: worker core:user:${name}`);
  if (!target) throw new Error(`no inspector target for worker ${name}`);
  /** Awaits `promise` while poking the worker, so the inspector gets a turn on the isolate's thread. */
  const poking = async (promise) => {
    const timer = setInterval(() => void poke().catch(() => {}), 100);
    try {
      return await promise;
    } finally {
      clearInterval(timer);
    }
  };
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await poking(
    new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    }),
  );
  let nextId = 0;
  const waiting = new Map();
  socket.on('message', (message) => {
    const reply = JSON.parse(String(message));
    const done = waiting.get(reply.id);
    if (!done) return;
    waiting.delete(reply.id);
    done(reply);
  });
  const send = (method, params = {}) =>
    poking(
      new Promise((resolve, reject) => {
        const id = ++nextId;
        waiting.set(id, (reply) =>
          reply.error ? reject(new Error(reply.error.message)) : resolve(reply.result),
        );
        socket.send(JSON.stringify({ id, method, params }));
      }),
    );
  return {
    async heapAfterGc() {
      await send('HeapProfiler.collectGarbage');
      const { usedSize } = await send('Runtime.getHeapUsage');
      return usedSize;
    },
    close: () => socket.close(),
  };
}
