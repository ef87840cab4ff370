// `npm run bench -- --peers`: the Portkey open-source gateway from the npm registry, on loopback,
// for a side-by-side row. It runs under Node (its own server), pointed at the same upstream with
// `x-portkey-custom-host`; it does no authentication, limits or logging of its own here.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const PORTKEY_VERSION = '1.15.2';

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `npx @portkey-ai/gateway` (downloaded on first use); resolves once it answers. */
export async function startPortkey() {
  const port = await freePort();
  const child = spawn(
    'npx',
    ['-y', `@portkey-ai/gateway@${PORTKEY_VERSION}`, `--port=${port}`, '--headless'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
      // Its own process group: npx starts the server as a child of its own, and stop() ends both.
      detached: true,
    },
  );
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    child.stderr.destroy();
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill(); // the group is gone already, or this platform has none
    }
  };
  // Its own group does not get the terminal's Ctrl-C: end it however the bench ends.
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Portkey exited (${child.exitCode}): ${stderr}`);
    try {
      // A connection accepted while the server is still starting can stay silent: bound each try.
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        stop();
        throw new Error(`Portkey did not start within 120 s: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return { url, pid: child.pid, stop };
}

/** The headers that send a Portkey request to an OpenAI-compatible upstream at `baseUrl`. */
export const portkeyHeaders = (baseUrl) => ({
  'x-portkey-provider': 'openai',
  'x-portkey-custom-host': baseUrl,
  authorization: 'Bearer sk-bench',
});
