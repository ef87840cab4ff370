// Loads the gateway config from KV (or the bundled default), parses and compiles it once per
// isolate, and re-checks KV in the background at most every few seconds — never per request.
import type { Env } from '../env';
import { GatewayError, unavailableNow } from '../errors';
import { issueLines } from '../openai/read-body';
import { defaultConfig } from './default';
import { compileRuntime, type Runtime } from './runtime';
import { type GatewayConfig, gatewayConfigSchema } from './schema';

export const CONFIG_KEY = 'config';
const RECHECK_MS = 5_000;

interface Memo {
  /** The KV text it was built from; null for the bundled default. */
  raw: string | null;
  runtime: Runtime;
  checkedAt: number;
}

let memo: Memo | undefined;
/** Why the stored config could not be read, when it could not (plain data; for the admin API). */
let unreadable: { raw: string; problems: string[] } | undefined;

export async function getRuntime(env: Env, ctx?: Pick<ExecutionContext, 'waitUntil'>): Promise<Runtime> {
  const now = Date.now();
  if (memo) {
    if (now - memo.checkedAt >= RECHECK_MS) {
      memo.checkedAt = now;
      const refreshing = reload(env).catch((error) => console.error('config refresh failed', String(error)));
      ctx?.waitUntil(refreshing);
    }
    return memo.runtime;
  }
  // A cold isolate: each request loads for itself rather than awaiting another request's load,
  // which would never finish if that request were cancelled mid-read (src/isolate/poll.ts).
  try {
    return await reload(env);
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    console.error('config load failed', String(error));
    throw unavailableNow(
      'config_unavailable',
      'The gateway could not load its config right now. Please retry shortly.',
    );
  }
}

async function reload(env: Env): Promise<Runtime> {
  const raw = await env.CACHE.get(CONFIG_KEY);
  if (memo && memo.raw === raw) {
    memo.checkedAt = Date.now();
    unreadable = undefined;
    return memo.runtime;
  }
  let config: GatewayConfig;
  if (raw === null) {
    config = gatewayConfigSchema.parse(defaultConfig(env));
  } else {
    const parsed = gatewayConfigSchema.safeParse(safeJson(raw));
    if (!parsed.success) {
      // A stored config that no longer parses (e.g. written by another version): keep serving the
      // last good one rather than falling back to defaults that would route traffic elsewhere.
      const problems = issueLines(parsed.error.issues);
      unreadable = { raw, problems };
      console.error('stored gateway config is invalid', problems.slice(0, 5));
      if (memo) return memo.runtime;
      // Clients are not told why (that is the operator's business): GET /admin/config says.
      throw new GatewayError(
        503,
        'api_error',
        'config_invalid',
        'The stored gateway config is invalid; fix it with PUT /admin/config.',
      );
    }
    config = parsed.data;
  }
  unreadable = undefined;
  const runtime = compileRuntime(config, env);
  memo = { raw, runtime, checkedAt: Date.now() };
  return runtime;
}

/** Persists an already-validated config and makes it current in this isolate at once. */
/** Stores `config`; `runtime` is its compiled form, when the caller has it already. */
export async function storeConfig(
  env: Env,
  config: GatewayConfig,
  runtime: Runtime = compileRuntime(config, env),
): Promise<Runtime> {
  const raw = JSON.stringify(config);
  await env.CACHE.put(CONFIG_KEY, raw);
  memo = { raw, runtime, checkedAt: Date.now() };
  unreadable = undefined;
  return runtime;
}

/** What the admin API works from: the config in force, or why the stored one cannot be read. */
export type ConfigState =
  | { readable: true; config: GatewayConfig; stored: boolean }
  | { readable: false; problems: string[]; stored: unknown };

/**
 * Reads KV afresh (admin calls are rare, and a PUT must restore secrets from what is really
 * stored): an isolate still serving the last good config also reports a stored one it cannot read.
 */
export async function configState(env: Env): Promise<ConfigState> {
  let runtime: Runtime;
  try {
    runtime = await reload(env);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== 'config_invalid' || !unreadable) throw error;
    return unreadableState(unreadable);
  }
  if (unreadable) return unreadableState(unreadable);
  return { readable: true, config: runtime.config, stored: memo?.raw !== null };
}

function unreadableState({ raw, problems }: { raw: string; problems: string[] }): ConfigState {
  return { readable: false, problems, stored: safeJson(raw) };
}

/** The config as stored (or the default); a stored config that cannot be read is a 503 saying why. */
export async function currentConfig(env: Env): Promise<{ config: GatewayConfig; stored: boolean }> {
  const state = await configState(env);
  if (!state.readable) throw unreadableConfig(state.problems);
  return state;
}

function unreadableConfig(problems: readonly string[]): GatewayError {
  return new GatewayError(
    503,
    'api_error',
    'config_invalid',
    `The stored gateway config cannot be read by this version of Tollgate (${problems.join('; ')}). Replace it with PUT /admin/config; "[redacted]" secrets are still taken from the stored one.`,
  );
}

/** Forgets the memo (tests, and after a stored config is deleted). */
export function forgetConfig(): void {
  memo = undefined;
  unreadable = undefined;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
