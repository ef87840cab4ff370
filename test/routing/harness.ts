// Deterministic pieces for routing tests: a compiled runtime from a config, a fake clock, a sleep
// that only records, scripted random sources, and a scripted upstream per target.
import { env } from 'cloudflare:workers';
import { compileRuntime, type Runtime } from '../../src/config/runtime';
import { type GatewayConfigInput, gatewayConfigSchema } from '../../src/config/schema';
import { UpstreamError } from '../../src/providers/types';
import type { AttemptContext } from '../../src/routing/execute';

/** Mock providers a, b, c… (the scripted call below answers for them; they never run). */
export function runtimeFor(
  config: Omit<GatewayConfigInput, 'providers'> & { providers?: string[] },
): Runtime {
  const names = config.providers ?? ['a', 'b', 'c', 'd'];
  const providers = Object.fromEntries(names.map((name) => [name, { type: 'mock' as const }]));
  return compileRuntime(gatewayConfigSchema.parse({ ...config, providers }), env);
}

export function fakeClock(start = 1_000_000) {
  let time = start;
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/** A sleep that waits for nothing but records each delay (and moves the fake clock by it). */
export function recordingSleep(clock?: ReturnType<typeof fakeClock>) {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
      clock?.advance(ms);
    },
  };
}

/** Returns the given values in turn; fails the test if asked for more. */
export function sequence(...values: number[]): () => number {
  let index = 0;
  return () => {
    if (index >= values.length) throw new Error('random() called more often than the test expected');
    return values[index++]!;
  };
}

/** mulberry32: a small seeded PRNG, uniform on [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Script = 'ok' | UpstreamError | ((ctx: AttemptContext) => Promise<string>);

/**
 * Each target (`provider/model`) answers with its script in turn, repeating the last entry;
 * a target without a script answers 'ok'. Served results are the target's key.
 */
export function scripted(scripts: Record<string, Script[]>) {
  const calls: string[] = [];
  const call = async (ctx: AttemptContext): Promise<string> => {
    const key = `${ctx.target.provider}/${ctx.target.model}`;
    const script = scripts[key] ?? ['ok'];
    const step = script[Math.min(calls.filter((c) => c === key).length, script.length - 1)]!;
    calls.push(key);
    if (step === 'ok') return key;
    if (typeof step === 'function') return step(ctx);
    throw step;
  };
  return { call, calls };
}

export const serverError = (status = 500, retryAfterMs?: number) =>
  new UpstreamError(
    status === 429 ? 'rate_limit' : status === 503 || status === 529 ? 'overloaded' : 'server',
    status,
    `answered HTTP ${status}`,
    retryAfterMs === undefined ? {} : { retryAfterMs },
  );

export const callerError = (status = 400, code: string | null = null) =>
  new UpstreamError('caller', status, 'bad request', { code, param: null });

/** An attempt that never answers (until its signal aborts). */
export const hang = (ctx: AttemptContext) =>
  new Promise<string>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
