// Admission leases, the isolate's side: per-isolate knowledge that lets a busy key's requests skip
// the Durable Object round trip. An isolate that admitted a key recently asks for a lease with its
// next admission (one ask in flight per key); the object holds a few RPM slots and a TPM allowance
// for it (lease-ledger.ts) and sends the policy facts the isolate can check itself, valid for
// LEASE_MS. Until the slots, the allowance or the time run out, admissions of that key here are
// local: the request draws its token reservation from the allowance and gives back what it did
// not use when it ends while the lease holds (else its settle goes to the object, as for any
// admission). When a quarter of the lease is left, the next admission asks for the following one,
// and the admissions made while that ask is out are still served from what is left, so a busy
// key's requests do not queue at the object meanwhile. The next ask carries back what a lease
// left unused. A budget's lease holds a share of what is left of it too: a request going upstream
// draws its worst case from that share and the object is told off the response path; without a
// share (or with too little left in it) the request reserves at the object first
// (Admission.reserve).
// A revocation or policy change reaches other isolates when their lease ends (≤ 1 s); this
// isolate's admin changes forget its leases at once (src/index.ts).
import { modelAllowed } from '../keys/policy';
import type { AdmitResult } from './admit-rpc';
import { roundUsd } from './budget';
import type { Lease } from './lease-grant';
import type { Returned } from './lease-ledger';
import type { RateState, RateWindow } from './rate-state';
import { MINUTE_MS } from './token-bucket';

type Admitted = Extract<AdmitResult, { ok: true }>;

interface Held {
  admitted: Admitted;
  lease: Lease;
  /** Slots left; null when the object has no RPM limit. */
  left: number | null;
  /** Allowance left; null when the object has no TPM limit. */
  tokens: number | null;
  /** Budget share left (USD); null without one. */
  usd: number | null;
  until: number;
  /** When it was granted: its windows (the object's then) have refilled since. */
  grantedAt: number;
}

/** A lease's two halves: the key's, and its team's for a key in a team. */
interface Pair {
  key: Held;
  team?: Held;
}

interface Entry {
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

export interface LocalAdmission {
  /** As the object would answer; reservedTokens is what was drawn from the lease's allowance. */
  key: Admitted;
  team: Admitted | undefined;
  /** Whether a request that goes upstream must reserve its cost (a budget): `draw`, else at the objects. */
  reserves: boolean;
  /**
   * Draws a request's worst case from the budget shares of the leases that admitted it (each side
   * with a budget): the lease ids drawn from, or undefined — nothing drawn — when a side has no
   * share, too little left in it, or its lease has ended.
   */
  draw(usd: number, now: number): Drawn | undefined;
  /** Whether `draw` would succeed now (nothing drawn). */
  canDraw(usd: number, now: number): boolean;
  /** Gives unused tokens back to the allowance they were drawn from; false once that lease has ended. */
  refund(side: 'key' | 'team', tokens: number, now: number): boolean;
}

/** The leases a request's worst case was drawn from, per side with a budget. */
export interface Drawn {
  key?: number;
  team?: number;
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
function askable(entry: Entry, now: number): boolean {
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

/**
 * An admission from this isolate's lease — one slot and `tokens` of allowance from the key's and
 * the team's — or undefined: ask the objects.
 */
export function admitLocally(
  keyHash: string,
  model: string,
  tokens: number,
  now: number,
): LocalAdmission | undefined {
  const entry = book.get(keyHash);
  const { key, team } = entry ?? {};
  if (!entry || !key || !usable(key, model, tokens, now)) return undefined;
  if (key.admitted.key.teamId !== null && (!team || !usable(team, model, tokens, now))) return undefined;
  // Running low, and no ask out: this request asks for the next lease, so the ones after it are
  // still admitted here, from what is left of this one, while the ask is out.
  if ((runningLow(key, now) || (team !== undefined && runningLow(team, now))) && askable(entry, now))
    return undefined;
  const canDraw = (usd: number, at: number) =>
    budgeted(key, team).every((h) => h.usd !== null && h.usd >= usd && at < h.until);
  return {
    key: spend(key, tokens, now),
    team: team && spend(team, tokens, now),
    reserves: key.lease.reserves || team?.lease.reserves === true,
    canDraw,
    draw(usd, at) {
      if (!canDraw(usd, at)) return undefined;
      for (const h of budgeted(key, team)) h.usd = roundUsd((h.usd as number) - usd);
      return {
        ...(key.lease.reserves ? { key: key.lease.id } : {}),
        ...(team?.lease.reserves ? { team: team.lease.id } : {}),
      };
    },
    refund(side, unused, at) {
      const from = side === 'key' ? key : team;
      if (!from || from.tokens === null || at >= from.until) return false;
      from.tokens += unused;
      return true;
    },
  };
}

/** The halves of a lease whose objects have a budget. */
function budgeted(key: Held, team: Held | undefined): Held[] {
  return [key, team].filter((h): h is Held => h?.lease.reserves === true);
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

/** What a lease's share is, when the lease was granted and not yet used. */
export function unusedShare(admitted: Admitted): Returned | undefined {
  const lease = admitted.lease;
  return (
    lease && withUsd({ id: lease.id, requests: lease.requests ?? 0, tokens: lease.tokens ?? 0 }, lease.usd)
  );
}

function held(admitted: Admitted, now: number): Held {
  const lease = admitted.lease as Lease;
  const usd = lease.usd ?? null;
  return {
    admitted,
    lease,
    left: lease.requests,
    tokens: lease.tokens,
    usd,
    until: now + lease.ms,
    grantedAt: now,
  };
}

/** Ends a lease: nothing more is drawn from it or refunded into it. */
function close(held: Held): Returned {
  const unused = withUsd({ id: held.lease.id, requests: held.left ?? 0, tokens: held.tokens ?? 0 }, held.usd);
  held.left = 0;
  held.tokens = held.tokens === null ? null : 0;
  held.usd = held.usd === null ? null : 0;
  held.until = 0;
  return unused;
}

/** A share given back names a budget share's rest only when the lease had one. */
function withUsd(share: Returned, usd: number | null | undefined): Returned {
  return usd == null ? share : { ...share, usd };
}

/** A quarter or less of the lease's slots (leases of 4+ slots only), allowance, budget share or time is left. */
function runningLow(held: Held, now: number): boolean {
  const { requests, tokens, ms, usd } = held.lease;
  return (
    held.until - now <= ms / 4 ||
    (held.left !== null && requests !== null && requests >= 4 && held.left * 4 <= requests) ||
    (held.tokens !== null && tokens !== null && tokens > 0 && held.tokens * 4 <= tokens) ||
    (held.usd !== null && usd != null && usd > 0 && held.usd * 4 <= usd)
  );
}

function usable(held: Held, model: string, tokens: number, now: number): boolean {
  return (
    now < held.until &&
    held.left !== 0 &&
    (held.tokens === null || held.tokens >= tokens) &&
    modelAllowed(held.lease.models, model)
  );
}

/**
 * One slot and the request's tokens. The rate headers count the lease's unused share as the key's
 * own, and the windows as they have refilled since the grant, so that they move as the object's
 * would: remaining falls with each request and rises with time, and the reset follows remaining.
 */
function spend(held: Held, tokens: number, now: number): Admitted {
  if (held.left !== null) held.left--;
  if (held.tokens !== null) held.tokens -= tokens;
  const rate = withLease(held.admitted.rate, held.left ?? 0, held.tokens ?? 0, now - held.grantedAt);
  return { ...held.admitted, rate, reservedTokens: held.tokens === null ? 0 : tokens, reservedUsd: 0 };
}

/**
 * The rate windows as the key sees them: what its leases hold is still its own, and `elapsedMs`
 * after the object counted them its buckets have refilled by that much (never past the limit). The
 * reset is the time to refill what is not remaining, as the object reckons it (token-bucket.ts).
 */
export function withLease(rate: RateState, slots: number, tokens: number, elapsedMs = 0): RateState {
  const plus = (window: RateWindow | undefined, extra: number): RateWindow | undefined => {
    if (!window || (extra <= 0 && elapsedMs <= 0)) return window;
    const refilled = (Math.max(0, elapsedMs) * window.limit) / MINUTE_MS;
    // The object's exact count, fraction and overdraft (a settle past the estimate) included, is
    // what its reset says: `remaining` is floored, and never below 0.
    const free = window.limit - (window.resetMs * window.limit) / MINUTE_MS;
    const left = Math.min(window.limit, free + Math.max(0, extra) + refilled);
    return {
      limit: window.limit,
      remaining: Math.max(0, Math.floor(left)),
      resetMs: Math.ceil(((window.limit - left) * MINUTE_MS) / window.limit),
    };
  };
  const requests = plus(rate.requests, slots);
  const allowance = plus(rate.tokens, tokens);
  return { ...(requests ? { requests } : {}), ...(allowance ? { tokens: allowance } : {}) };
}
