// Where a finished log row goes, off the response path: one Analytics Engine data point, and the
// row — with the isolate's other rows finishing meanwhile (src/logs/outbox.ts) — into a LogBuffer
// shard (falling back to a direct D1 insert if the buffer is unreachable), or, when that batch is
// already large, straight into D1 (falling back to the buffer).
import { describeFailure } from '../describe-error';
import type { Env } from '../env';
import { onFreshStubs } from '../isolate/fresh-stubs';
import { within } from '../isolate/within';
import type { LogBuffer } from './buffer';
import { post } from './outbox';
import type { LogRow } from './row';
import { insertLogs, keyOfHash, type NamedKey } from './store';

/** Buffers the rows are spread over by request id, so one object is never the bottleneck. */
export const LOG_SHARDS = 4;

export function bufferShard(id: string): number {
  // FNV-1a: stable across isolates and deploys, which a shard assignment must be.
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % LOG_SHARDS;
}

export function bufferStub(env: Env, shard: number): DurableObjectStub<LogBuffer> {
  return env.LOGS.get(env.LOGS.idFromName(`logs-${shard}`));
}

export function bufferFor(env: Env, requestId: string): DurableObjectStub<LogBuffer> {
  return bufferStub(env, bufferShard(requestId));
}

/** Flushes every shard now (tests, the cron's safety net); returns the rows written. */
export async function flushAllBuffers(env: Env): Promise<number> {
  const results = await Promise.all(
    Array.from({ length: LOG_SHARDS }, (_, shard) => bufferStub(env, shard).flush()),
  );
  return results.reduce((sum, r) => sum + r.written, 0);
}

/**
 * `admitted`: the row's key was admitted (or its policy read), so the row's key and `zdr` are its
 * policy's; else they are looked up here, off the response path, by `keyHash`.
 */
export async function deliverLog(
  env: Env,
  row: LogRow,
  keyHash: string | undefined,
  admitted: boolean,
): Promise<void> {
  if (keyHash && !admitted) {
    // Refused before its key's object was asked (a bad body, an unknown model): named here. Or
    // refused by the object, which named it (or said there is none: then no hash comes here).
    // Either way whether the key (or its team) is zero-retention is known only to its policy,
    // read here too: the row says so, as an admitted request's does. (It holds no body: only an
    // admitted request's row keeps one.)
    const key = await keyNamed(env, keyHash, Date.now());
    if (key && row.keyId === null) {
      row.keyId = key.id;
      row.teamId = key.teamId;
    }
    if (key && key.id === row.keyId && key.zdr) row.zdr = true;
  } else if (keyHash && row.keyId !== null) {
    // Admitted: the key this hash names, known without a lookup for its next early refusal (never
    // short of lookups then, in a flood of made-up keys that spends them).
    remember(keyHash, { id: row.keyId, teamId: row.teamId, zdr: row.zdr }, Date.now());
  }
  // No key, or one that names none — refused with a 401, or earlier for a bad body or header:
  // anyone can send these, so they get no say in what is kept (no metadata) and a bounded share
  // of the log; the rest are counted in Analytics Engine only. Else a flood of them could fill D1
  // for everyone.
  const anonymous = row.keyId === null;
  if (anonymous) row.metadata = null;
  writeDataPoint(env, row);
  if (anonymous && !anonymousRows.take(Date.now())) return;
  await post(row, (rows, alive) => appendRows(env, rows, alive));
}

/** Rows of unauthenticated requests an isolate stores per minute; the rest only count in Analytics Engine. */
export const UNAUTHENTICATED_ROWS_PER_MINUTE = 600;
/** D1 reads per minute an isolate makes to name the keys of requests refused before admission. */
export const KEY_LOOKUPS_PER_MINUTE = 600;

/** At most `limit` takes a minute (a fixed window, per isolate). */
class MinuteQuota {
  private startedAt = 0;
  private taken = 0;

  constructor(public limit: number) {}

  take(now: number): boolean {
    if (now - this.startedAt >= 60_000) {
      this.startedAt = now;
      this.taken = 0;
    }
    return this.taken++ < this.limit;
  }

  reset(limit: number): void {
    this.limit = limit;
    this.startedAt = 0;
    this.taken = 0;
  }
}

const anonymousRows = new MinuteQuota(UNAUTHENTICATED_ROWS_PER_MINUTE);
const keyLookups = new MinuteQuota(KEY_LOOKUPS_PER_MINUTE);

/** Starts a new minute for unauthenticated rows and key lookups, with other limits if given (tests). */
export function resetUnauthenticatedRows(
  limit = UNAUTHENTICATED_ROWS_PER_MINUTE,
  lookups = KEY_LOOKUPS_PER_MINUTE,
): void {
  anonymousRows.reset(limit);
  keyLookups.reset(lookups);
}

/** How long this isolate remembers which key (or none) a hash names, for rows refused before admission. */
const KEY_NAME_TTL_MS = 60_000;
const MAX_KEY_NAMES = 10_000;
/** Plain data only (src/isolate/poll.ts): the key a hash named, or null for none, and until when. */
const keyNames = new Map<string, { key: NamedKey | null; until: number }>();

/**
 * The key a hash names, from D1 at most once a minute per hash in this isolate: a client refused
 * over and over (a bad body, say) would otherwise cost one D1 read per refusal, just when the
 * gateway is busiest. Hashes not seen lately share a quota of reads a minute, so a flood of made-up
 * keys costs D1 a bounded number; past it, a row is stored as naming no key. A failed read is not
 * remembered.
 */
async function keyNamed(env: Env, keyHash: string, now: number) {
  const known = keyNames.get(keyHash);
  if (known && known.until > now) return known.key;
  if (!keyLookups.take(now)) return null;
  let key: NamedKey | null;
  try {
    key = await keyOfHash(env.DB, keyHash, now);
  } catch {
    return null;
  }
  remember(keyHash, key, now);
  return key;
}

/** Notes which key (or none) a hash names, for KEY_NAME_TTL_MS; a fresh note that agrees is left as it is. */
function remember(keyHash: string, key: NamedKey | null, now: number): void {
  const known = keyNames.get(keyHash);
  const same = known && known.key?.id === key?.id && known.key?.zdr === key?.zdr;
  if (same && known.until - now > KEY_NAME_TTL_MS / 2) return;
  if (keyNames.size >= MAX_KEY_NAMES) keyNames.clear();
  keyNames.set(keyHash, { key, until: now + KEY_NAME_TTL_MS });
}

/** Forgets which keys hashes named (tests). */
export function forgetKeyNames(): void {
  keyNames.clear();
}

/**
 * A batch of this many rows goes straight to D1. The buffer exists to gather small batches from
 * many isolates into D1 writes of about a hundred rows, and to keep rows durable meanwhile; a batch
 * this large would only be stored, read back and written on a second later, at the cost of an RPC
 * and two storage writes (locally, on the gateway's own thread: about 6 % of its CPU per request
 * at c=32 in an interleaved A/B, bench/).
 */
export const DIRECT_ROWS = 20;
/** A direct D1 write not done by then is left to finish on its own, and the rows go to the buffer. */
export const DIRECT_TIMEOUT_MS = 5_000;

/**
 * Large batches straight into D1 (else, or if that fails, on to the buffer); the others into one
 * buffer shard (three tries on fresh stubs, waiting between them, longer for an overloaded buffer:
 * src/isolate/fresh-stubs.ts), else straight into D1. Never throws. Rows written twice (a direct
 * write that committed late, then the buffer's) are stored once: D1 inserts by request id.
 */
export async function appendRows(env: Env, rows: LogRow[], alive: () => void = () => {}): Promise<boolean> {
  if (rows.length >= DIRECT_ROWS) {
    if (await insertedDirectly(env, rows)) return true;
    alive(); // trying on: up to DIRECT_TIMEOUT_MS went by, and the outbox must not take over
  }
  const stub = () => bufferFor(env, rows[0]!.id);
  let lastError: unknown;
  try {
    await onFreshStubs(stub(), stub, (buffer) => buffer.append(rows), alive);
    return true;
  } catch (error) {
    lastError = error;
  }
  try {
    await insertLogs(env.DB, rows);
    return true;
  } catch (error) {
    const ids = rows.map((row) => row.id).join(', ');
    console.error('request log rows not stored', ids, describeFailure(lastError), describeFailure(error));
    return false;
  }
}

async function insertedDirectly(env: Env, rows: LogRow[]): Promise<boolean> {
  try {
    return await within(
      insertLogs(env.DB, rows).then(() => true),
      DIRECT_TIMEOUT_MS,
      () => false,
    );
  } catch {
    return false; // the buffer keeps them, and retries D1 until it takes them
  }
}

/**
 * Blobs: key, model, provider, status, cache, team, served model, error code.
 * Doubles: input tokens, output tokens, cost USD, latency ms, cached tokens, saved USD, ttft ms.
 * Index: the key id (Analytics Engine samples per index value).
 */
export function writeDataPoint(env: Env, row: LogRow): void {
  if (!env.ANALYTICS) return;
  try {
    env.ANALYTICS.writeDataPoint({
      indexes: [(row.keyId ?? 'none').slice(0, 96)],
      blobs: [
        row.keyId ?? '',
        row.model ?? '',
        row.provider ?? '',
        String(row.status),
        row.cache,
        row.teamId ?? '',
        row.servedModel ?? '',
        row.errorCode ?? '',
      ],
      doubles: [
        row.inputTokens,
        row.outputTokens,
        row.costUsd,
        row.latencyMs,
        row.cachedTokens,
        row.savedUsd,
        row.ttftMs ?? -1,
      ],
    });
  } catch (error) {
    console.error('analytics data point failed', describeFailure(error));
  }
}
