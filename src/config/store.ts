// Loads the gateway config from KV (or the bundled default), parses and compiles it once per
// isolate, and re-checks KV in the background at most every few seconds — never per request.

import { sha256Hex } from '../auth/gateway-key';
import { describeFailure } from '../describe-error';
import type { Env } from '../env';
import { GatewayError, unavailableNow } from '../errors';
import { parsedJson } from '../json-record';
import { issueLines } from '../openai/read-body';
import { tried } from '../tries';
import { defaultConfig } from './default';
import { compileRuntime, type Runtime } from './runtime';
import { type GatewayConfig, gatewayConfigSchema } from './schema';

export const CONFIG_KEY = 'config';
const RECHECK_MS = 5_000;
/**
 * KV takes one write a second to a key and refuses (429) any sooner — on Cloudflare, not in
 * Miniflare: a config written right after another (PUT /admin/config then /admin/guardrails) is
 * put again after this pause, not at once, when it would only be refused again.
 */
const KV_SAME_KEY_PAUSE_MS = 1_100;

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
      const refreshing = reload(env).catch((error) =>
        console.error('config refresh failed', describeFailure(error)),
      );
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
    console.error('config load failed', describeFailure(error));
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
    const parsed = gatewayConfigSchema.safeParse(parsedJson(raw));
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

/**
 * Stores an already-validated config if the admin copy is still at the revision `read` found
 * (undefined when another write came first: nothing was stored), then the copy requests are served
 * from, and makes it current in this isolate at once. `runtime` is its compiled form, when the
 * caller has it.
 */
export async function storeConfig(
  env: Env,
  config: GatewayConfig,
  read: Pick<ConfigState, 'revision' | 'served' | 'servedRevised'>,
  runtime: Runtime = compileRuntime(config, env),
): Promise<Runtime | undefined> {
  const raw = JSON.stringify(config);
  const { revision: basedOn, served, servedRevised } = read;
  // The text a location that has not caught up may still hold: this one's, unless it carries a
  // revision (then the one the row records stays: an earlier revision-less copy, if any).
  const replaced = servedRevised ? null : served === null ? '' : await sha256Hex(served);
  const write =
    basedOn === 0
      ? env.DB.prepare(
          'INSERT OR IGNORE INTO config_store (id, text, revision, replaced) VALUES (1, ?, 1, ?)',
        ).bind(raw, replaced ?? '')
      : env.DB.prepare(
          'UPDATE config_store SET text = ?, revision = ?, replaced = COALESCE(?, replaced) WHERE id = 1 AND revision = ?',
        ).bind(raw, basedOn + 1, replaced, basedOn);
  if ((await write.run()).meta.changes !== 1) return undefined;
  await putServed(env, raw, basedOn + 1);
  // A later write that reached KV before this one (this one slow) must not be overwritten by it:
  // read the row again, and put what it holds back if it has moved on.
  const latest = await env.DB.prepare('SELECT text, revision FROM config_store WHERE id = 1').first<{
    text: string;
    revision: number;
  }>();
  if (latest && latest.revision > basedOn + 1) {
    await putServed(env, latest.text, latest.revision);
    forgetConfig();
    return runtime;
  }
  memo = { raw, runtime, checkedAt: Date.now() };
  unreadable = undefined;
  return runtime;
}

/**
 * The served copy (KV): a few tries, KV_SAME_KEY_PAUSE_MS apart; if none gets through, a 503
 * saying the config is stored but not served yet.
 */
function putServed(env: Env, raw: string, revision: number): Promise<void> {
  // The revision beside it tells a copy this location has not caught up on from a hand edit.
  return tried(
    () => env.CACHE.put(CONFIG_KEY, raw, { metadata: { revision } }),
    (last) => {
      console.error('config stored but not written to KV', describeFailure(last));
      throw unavailableNow(
        'config_unavailable',
        'The config is stored, but could not be written where requests are served from: PUT it again to put it in force.',
      );
    },
    3,
    KV_SAME_KEY_PAUSE_MS,
  );
}

/**
 * What the admin API works from: the config in force, or why the stored one cannot be read, with
 * the revision of the admin copy (0 before the first write through the admin API).
 */
export type ConfigState = (
  | { readable: true; config: GatewayConfig; stored: boolean }
  | { readable: false; problems: string[]; stored: unknown }
) & {
  revision: number;
  /** This location's served copy (KV) as read, which a write replaces. */
  served: string | null;
  /** The served copy carries a revision (an admin write's), not a hand edit's nothing. */
  servedRevised: boolean;
};

/**
 * The config as the last write made it, wherever that was: the admin copy in D1 (consistent) while
 * this location's KV copy has not caught up with it; else KV read afresh, which also holds a
 * config written there by hand (it carries no revision). An isolate still serving the last good
 * config also reports a stored one it cannot read. `revision` is the admin copy's, which the next
 * write compares and sets.
 */
export async function configState(env: Env): Promise<ConfigState> {
  const [row, copy] = await Promise.all([
    env.DB.prepare('SELECT text, revision, replaced FROM config_store WHERE id = 1').first<{
      text: string;
      revision: number;
      replaced: string;
    }>(),
    env.CACHE.getWithMetadata<{ revision?: unknown }>(CONFIG_KEY),
  ]);
  const revision = row?.revision ?? 0;
  const served = copy.value;
  const base = { revision, served, servedRevised: typeof copy.metadata?.revision === 'number' };
  if (row && (await behind(row, served, copy.metadata?.revision))) {
    const parsed = gatewayConfigSchema.safeParse(parsedJson(row.text));
    if (!parsed.success)
      return { ...unreadableState({ raw: row.text, problems: issueLines(parsed.error.issues) }), ...base };
    return { readable: true, config: parsed.data, stored: true, ...base };
  }
  let runtime: Runtime;
  try {
    runtime = await reload(env);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== 'config_invalid' || !unreadable) throw error;
    return { ...unreadableState(unreadable), ...base };
  }
  if (unreadable) return { ...unreadableState(unreadable), ...base };
  return { readable: true, config: runtime.config, stored: memo?.raw !== null, ...base };
}

/**
 * Whether this location's served copy has not caught up with the admin copy: it carries an older
 * revision (or the same), or is missing, or is the very text the last write replaced. Any other
 * text without a revision was written in KV by hand, and is the config.
 */
async function behind(
  row: { revision: number; replaced: string },
  served: string | null,
  servedRevision: unknown,
): Promise<boolean> {
  if (typeof servedRevision === 'number') return servedRevision <= row.revision;
  if (served === null) return true;
  return row.replaced !== '' && (await sha256Hex(served)) === row.replaced;
}

function unreadableState({ raw, problems }: { raw: string; problems: string[] }) {
  return { readable: false as const, problems, stored: parsedJson(raw) };
}

/** The config as stored (or the default); a stored config that cannot be read is a 503 saying why. */
export async function currentConfig(
  env: Env,
): Promise<{ config: GatewayConfig; stored: boolean; revision: number }> {
  const state = await configState(env);
  if (!state.readable) throw unreadableConfig(state.problems);
  return state;
}

export function unreadableConfig(problems: readonly string[]): GatewayError {
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
