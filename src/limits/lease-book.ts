// The isolate's lease book: per key, when it was last admitted here, the ask for a lease in
// flight, the lease serving its admissions and the ones draining (src/limits/lease.ts says how
// leases are used).
import type { AdmitResult } from './admit-rpc';
import { close, type Held, held, type Pair } from './lease-held';
import type { Returned } from './lease-ledger';

type Admitted = Extract<AdmitResult, { ok: true }>;

export interface Entry {
  /** When this isolate last admitted the key through its object: a recent one means "ask for a lease". */
  seenAt: number;
  /** A lease asked for and not (fully) granted: ask again only from then on. */
  askAfter: number;
  /**
   * When the ask in flight left (0: none): the others admitted meanwhile neither ask nor end the
   * current lease. An ask whose request vanished (cancelled mid-call) is given up after ASK_MS.
   */
  askingSince: number;
  key?: Held;
  team?: Held;
  /**
   * The leases asks replaced while their time had not run out (one, or more when the answer to an
   * ask given up on came after all): no more draws, but the requests they admitted that are still
   * running refund into them. The next ask gives them back.
   */
  draining: Pair[];
}

/** A key admitted here this recently is busy enough here to be worth a lease. */
const BUSY_MS = 10_000;
const BOOK_LIMIT = 10_000;
const ASK_MS = 5000;
const ASK_RETRY_MS = 250;
const book = new Map<string, Entry>();

/** The key's entry in the book, if this isolate admitted it lately. */
export function leaseEntry(keyHash: string): Entry | undefined {
  return book.get(keyHash);
}

/** What an ask gives back to each object: the leases done with, as each object knows them. */
export interface Ask {
  key: Returned[];
  team: Returned[];
  /** The team the team's shares belong to. */
  teamId: string | null;
}

/**
 * Whether this admission should ask for a lease; if so it is the key's one ask in flight. A lease
 * past its time goes back with the ask. One still running keeps serving the admissions made while
 * the ask is out (it was asked before it ran out, see admitLocally); once the new one arrives it
 * drains — its running requests still refund into it — and goes back with the next ask, as the
 * one draining now goes back with this one. Settle with `recordAdmission` or `askFailed`.
 */
export function beginAsk(keyHash: string, now: number): Ask | undefined {
  const entry = book.get(keyHash);
  if (!entry || !askable(entry, now)) return undefined;
  entry.askingSince = now;
  const ask = nothingAsked();
  for (const lease of entry.draining.splice(0)) giveBackInto(ask, lease);
  if (entry.key && now >= entry.key.until) {
    giveBackInto(ask, { key: entry.key, team: entry.team });
    delete entry.key;
    delete entry.team;
  }
  return ask;
}

function nothingAsked(): Ask {
  return { key: [], team: [], teamId: null };
}

/** No ask in flight (or one given up on), the key busy here, and not told to wait. */
export function askable(entry: Entry, now: number): boolean {
  return now - entry.askingSince >= ASK_MS && now - entry.seenAt < BUSY_MS && now >= entry.askAfter;
}

/** Ends a lease (key's and team's halves) into what an ask gives back. */
function giveBackInto(ask: Ask, lease: Pair): void {
  ask.key.push(close(lease.key));
  const teamId = lease.key.admitted.key.teamId;
  if (!lease.team || teamId === null || (ask.teamId !== null && ask.teamId !== teamId)) return;
  ask.teamId = teamId;
  ask.team.push(close(lease.team));
}

/**
 * The ask was refused or failed: another admission may ask, after ASK_RETRY_MS — meanwhile a lease
 * that still holds serves on (its renewal is what failed), instead of each request asking again.
 */
export function askFailed(keyHash: string, now: number): void {
  const entry = book.get(keyHash);
  if (!entry) return;
  entry.askingSince = 0;
  entry.askAfter = Math.max(entry.askAfter, now + ASK_RETRY_MS);
}

/**
 * Records an admission through the objects. The leases granted to an ask are used together (the
 * key's and, for a key in a team, the team's) or not at all: then the ones granted are returned
 * for the caller to give back, and the ask is not repeated for BUSY_MS.
 */
export function recordAdmission(
  keyHash: string,
  asked: boolean,
  key: Admitted,
  team: Admitted | undefined,
  startedAt: number,
): Admitted[] {
  let entry = book.get(keyHash);
  if (!entry) {
    if (book.size >= BOOK_LIMIT) book.clear();
    entry = { seenAt: startedAt, askAfter: 0, askingSince: 0, draining: [] };
    book.set(keyHash, entry);
  }
  entry.seenAt = startedAt;
  if (!asked) return [];
  entry.askingSince = 0;
  const usable = key.lease !== undefined && (key.key.teamId === null || team?.lease !== undefined);
  if (!usable) {
    entry.askAfter = startedAt + BUSY_MS;
    return [key, team].filter((a): a is Admitted => a?.lease !== undefined);
  }
  // The lease that served while the ask was out drains now, and goes back with the next ask.
  if (entry.key) entry.draining.push({ key: entry.key, team: entry.team });
  entry.key = held(key, startedAt);
  if (team) entry.team = held(team, startedAt);
  else delete entry.team;
  return [];
}

/** Ends the key's leases here (its object refused a leased request): what to give back, as for an ask. */
export function endLease(keyHash: string): Ask {
  const entry = book.get(keyHash);
  const ask = nothingAsked();
  if (!entry) return ask;
  for (const lease of entry.draining) giveBackInto(ask, lease);
  if (entry.key) giveBackInto(ask, { key: entry.key, team: entry.team });
  book.delete(keyHash);
  return ask;
}

/**
 * Every lease of this isolate: an admin change must not wait for them to run out here. Their
 * shares are not given back; the objects count them as used when they expire (about 2 s).
 */
export function forgetLeases(): void {
  for (const entry of book.values()) {
    for (const held of [entry.key, entry.team, ...entry.draining.flatMap((d) => [d.key, d.team])])
      if (held) close(held);
  }
  book.clear();
}
