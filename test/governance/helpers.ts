// Admin calls with a given credential, admin tokens of each role, and key objects whose hand-over a
// test steers, for the governance tests.
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { Env } from '../../src/env';
import { admin, call, chat, createKey, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { settled } from '../helpers/settled';

export function adminAs(token: string, path: string, method = 'GET', body?: unknown): Promise<Response> {
  return call(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function createTeam(name: string): Promise<string> {
  const response = await admin('/admin/teams', 'POST', { name });
  expect(response.status).toBe(201);
  return (await response.json<Json>()).id;
}

export async function createToken(role: string, team?: string): Promise<{ id: string; token: string }> {
  const response = await admin('/admin/tokens', 'POST', {
    name: `${role} token`,
    role,
    ...(team ? { team } : {}),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json();
}

/** A key object's own method, called on its stub. */
type StubCall = (...args: unknown[]) => Promise<unknown>;

/**
 * An env in which the key object named `name` answers handOver through `handOver(real, call,
 * args)` — `real` its own, `call` counting from 0 — and every other call as it is.
 */
export function handOverHooked(
  name: string,
  handOver: (real: StubCall, call: number, args: unknown[]) => Promise<unknown>,
): Env {
  return methodHooked('handOver', name, handOver);
}

/**
 * An env in which `method` of the key object named `name` (of every key object: null) is answered
 * through `hook(real, call, args)` — `real` its own, `call` counting from 0 — and every other call
 * as it is.
 */
export function methodHooked(
  method: string,
  name: string | null,
  hook: (real: StubCall, call: number, args: unknown[]) => Promise<unknown>,
): Env {
  const target = name === null ? null : env.KEYS.idFromName(name);
  let calls = 0;
  const KEYS = {
    idFromName: (n: string) => env.KEYS.idFromName(n),
    get: (id: DurableObjectId) => {
      const stub = env.KEYS.get(id);
      if (target && !id.equals(target)) return stub;
      /** A method called on the stub itself (an RPC method bound elsewhere cannot be sent). */
      const own =
        (prop: string | symbol) =>
        (...args: unknown[]) =>
          (stub as unknown as Record<string | symbol, StubCall>)[prop]!(...args);
      return new Proxy(stub, {
        get(t, prop) {
          if (prop === method) return (...args: unknown[]) => hook(own(method), calls++, args);
          // biome-ignore lint/suspicious/noExplicitAny: RPC stub
          const value = (t as any)[prop];
          return typeof value === 'function' ? own(prop) : value;
        },
      });
    },
  };
  return { ...env, KEYS } as unknown as Env;
}

/** The log row of a zero-retention key's request refused for what it asked its provider to keep. */
export const ZDR_REFUSED_ROW = {
  status: 403,
  errorCode: 'zdr_store_refused',
  zdr: true,
  provider: null,
  costUsd: 0,
  requestBody: null,
  responseBody: null,
};

/** The mock model priced high enough that one request spends a visible amount. */
export async function pricedMock(): Promise<void> {
  const price = { inputPerMTok: 1000, outputPerMTok: 2000 };
  expect((await putConfig(openaiConfig({ pricing: { 'mock/mock-1': price } }))).status).toBe(200);
}

/** A key's spend as its admin read shows it (after the batched settles have run). */
export async function spendOf(id: string): Promise<number> {
  await settled();
  return (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage.spendUsd as number;
}

/** A key with a monthly budget that has served one priced request, and what that spent. */
export async function spentBudgetKey(ask: unknown) {
  await pricedMock();
  const key = await createKey({ budget: { usd: 100, period: 'month' } });
  expect((await chat(key.key, ask)).status).toBe(200);
  const before = await spendOf(key.id);
  expect(before).toBeGreaterThan(0);
  return { key, before, spend: () => spendOf(key.id) };
}
