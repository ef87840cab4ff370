// What Workers Logs get when a key's Durable Object fails a call (admission, settle): the error's
// name and a message made safe, never an embedded credential (a URL's user:password or key
// parameter, a Bearer token, a provider or gateway key) as the error wrote it.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import type { KeyObject } from '../../src/limits/key-object';
import { sendSettles } from '../../src/limits/settle-send';
import { chat, createKey, openaiConfig, putConfig } from '../helpers/gateway';
import { keyPolicy } from '../helpers/key-policy';

type KeyStub = DurableObjectStub<KeyObject>;

const SECRETS = ['hunter2', 'AIzaSyD0secretvalue', 'sk-proj-Zx81secretToken', 'tg-0123456789abcdefghij'];
/** An error from below the gateway that quotes what it was given, credentials and all. */
const leaky = () =>
  new Error(
    `fetch https://admin:${SECRETS[0]}@objects.internal/v1/keys?api_key=${SECRETS[1]} failed ` +
      `(Authorization: Bearer ${SECRETS[2]}) for ${SECRETS[3]}`,
  );

const bindings = env.KEYS as unknown as { get: (id: DurableObjectId) => KeyStub };
const realGet = bindings.get;
afterEach(() => {
  bindings.get = realGet;
  vi.restoreAllMocks();
});

/** Every console.error line, its arguments joined as Workers Logs would show them. */
function errorLines() {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
  return () => spy.mock.calls.map((args) => args.map(String).join(' '));
}

function expectNoSecret(lines: string[]) {
  for (const line of lines) for (const secret of SECRETS) expect(line).not.toContain(secret);
}

describe('logs of a failed Durable Object call', () => {
  it('names an admission failure without the credentials its error message carries', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { key } = await createKey();
    const objectId = env.KEYS.idFromName(await sha256Hex(key)).toString();
    bindings.get = (id) => {
      const real = realGet.call(env.KEYS, id);
      if (id.toString() !== objectId) return real;
      return { id: real.id, admit: () => Promise.reject(leaky()) } as unknown as KeyStub;
    };
    const lines = errorLines();
    const refused = await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
    expect(refused.status).toBe(503);
    await refused.text();
    const logged = lines().filter((line) => line.startsWith('admission failed'));
    expect(logged).toHaveLength(1);
    // Still what an operator needs: the error's name and what failed, and where.
    expect(logged[0]).toContain('admission failed Error: fetch https://objects.internal');
    expectNoSecret(lines());
  });

  it('names a settle that failed every try without the credentials its error message carries', async () => {
    const real = env.KEYS.get(env.KEYS.idFromName('settle-leaky'));
    await real.setPolicy(keyPolicy({ budget: { usd: 10, period: 'total' } }));
    const failing = { id: real.id, settleMany: () => Promise.reject(leaky()) } as unknown as KeyStub;
    const namespace = { get: () => failing } as unknown as DurableObjectNamespace<KeyObject>;
    const lines = errorLines();
    const settle = { reservationId: 'a', reservedTokens: 0, usedTokens: 10, costUsd: 0.1 };
    expect(await sendSettles(namespace, failing, [settle])).toBe(false);
    const logged = lines().filter((line) => line.startsWith('settle of 1 request(s) failed'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('Error: fetch https://objects.internal');
    expectNoSecret(lines());
  });
});
