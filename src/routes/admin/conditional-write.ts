// Admin changes to a key or a team: read → change → write only if the row is still as read, and on
// a lost race read again and apply the change to what the other write left. So two changes at once
// both land (a PATCH of the name and a PATCH of the limits), neither over the other. A client can
// make the change conditional on its own read instead: `If-Match` with the ETag a read returned
// refuses the change (412) once the row has changed since.
import type { Context } from 'hono';
import { describeFailure } from '../../describe-error';
import type { AppEnv } from '../../env';
import { GatewayError, unavailableNow } from '../../errors';
import type { KeyPolicy } from '../../keys/policy';
import { tried } from '../../tries';

/** Rounds before giving up on a row (or config) that keeps changing under the write (a 409 to retry). */
export const WRITE_ATTEMPTS = 8;

type Written = 'key' | 'team' | 'config';

interface Row {
  /** The row's revision: each write sets a larger one. */
  updatedAt: number;
}

/** The ETag of a key's or team's representation: its revision. */
export const etagOf = (row: Row): string => `"${row.updatedAt}"`;

/**
 * `change` sees the current row and the time of the write, and returns the policy to store (or
 * throws to refuse, or returns null when nothing is to change); `write` stores it only if the row's
 * revision is still the one read (`stored.updatedAt`). The new revision is the time, or one more
 * than the old when the clock has not moved on, so that revisions only grow.
 */
export async function writeConditionally<S extends Row, P extends KeyPolicy | null>(
  c: Context<AppEnv>,
  what: 'key' | 'team',
  read: () => Promise<S>,
  change: (stored: S, now: number) => Promise<P> | P,
  write: (stored: S, policy: KeyPolicy, now: number) => Promise<boolean>,
): Promise<{ stored: S; policy: P; now: number }> {
  const ifMatch = c.req.header('if-match');
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const stored = await read();
    if (ifMatch !== undefined && !etagMatches(ifMatch, etagOf(stored))) throw changedSince(what);
    const now = Math.max(Date.now(), stored.updatedAt + 1);
    const policy = await change(stored, now);
    if (policy === null || (await write(stored, policy, now))) return { stored, policy, now };
    await backOff(attempt);
  }
  throw keptChanging(what);
}

/** Every round lost to another write. */
export const keptChanging = (what: Written) =>
  new GatewayError(
    409,
    'invalid_request_error',
    'concurrent_update',
    `The ${what} kept changing while this change was applied; retry it.`,
  );

/** After a lost race, a short random wait that grows, so writers contending for one row spread out. */
export const backOff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));

/** `If-Match`: `*`, or a list of entity tags (weak ones compared by their value). */
export function etagMatches(header: string, current: string): boolean {
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === current);
}

/**
 * Tells the key's or team's object a change the row already holds: a few tries, each on a fresh
 * stub; if none gets through, a 503 that says the change is stored but not yet in force (the
 * request sent again applies it, as the next change would).
 */
export function tellObject<T>(what: 'key' | 'team', tell: () => Promise<T>, stored = true): Promise<T> {
  return tried(tell, (last) => {
    console.error(`${what} object unreachable`, describeFailure(last));
    throw unavailableNow(
      'limits_unavailable',
      stored
        ? `The change is stored, but this ${what}'s limiter could not be told, so it is not in force yet: send the request again to apply it.`
        : `This ${what}'s limiter could not be told, so nothing was changed: send the request again.`,
    );
  });
}

/** `If-Match` named an older state. */
export const changedSince = (what: Written) =>
  new GatewayError(
    412,
    'invalid_request_error',
    'precondition_failed',
    `The ${what} has changed since the read whose ETag If-Match names: read it again and reapply the change.`,
  );
