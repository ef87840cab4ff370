// Admission leases: per-isolate knowledge that lets a busy key's requests skip the Durable Object
// round trip. An isolate that admitted a key recently asks for a lease with its next admission; the
// object grants a few RPM slots and a TPM allowance (both taken from its buckets up front) and the
// policy facts the isolate can check itself, valid for LEASE_MS (key-object.ts grantLease). Until
// the slots, the allowance or the time run out, admissions of that key here are local: the request
// draws its token reservation from the allowance, and gives back what it did not use when it ends
// while the lease holds (else its settle goes to the object, as for any admission). Only a budget
// still needs the object before a request goes upstream (Admission.reserve).
// A revocation or policy change reaches other isolates when their lease ends (≤ 1 s); this
// isolate's admin changes forget its leases at once (src/index.ts).
import { modelAllowed } from '../keys/policy';
import type { AdmitResult, Lease, RateState } from './key-object';

type Admitted = Extract<AdmitResult, { ok: true }>;

interface Held {
  admitted: Admitted;
  lease: Lease;
  /** Slots left; null when the object has no RPM limit. */
  left: number | null;
  /** Allowance left; null when the object has no TPM limit. */
  tokens: number | null;
  until: number;
}

interface Entry {
  /** When this isolate last admitted the key through its object: a recent one means "ask for a lease". */
  seenAt: number;
  /** A lease asked for and not (fully) granted: ask again only from then on (its slots would be stranded). */
  askAfter: number;
  key?: Held;
  team?: Held;
}

/** A key admitted here this recently is busy enough here to be worth a lease. */
const BUSY_MS = 10_000;
const BOOK_LIMIT = 10_000;
const book = new Map<string, Entry>();

export interface LocalAdmission {
  /** As the object would answer; reservedTokens is what was drawn from the lease's allowance. */
  key: Admitted;
  team: Admitted | undefined;
  /** Whether a request that goes upstream must still reserve its cost at the objects (a budget). */
  reserves: boolean;
  /** Gives unused tokens back to the allowance they were drawn from; false once that lease has ended. */
  refund(side: 'key' | 'team', tokens: number, now: number): boolean;
}

export function wantsLease(keyHash: string, now: number): boolean {
  const entry = book.get(keyHash);
  return entry !== undefined && now - entry.seenAt < BUSY_MS && now >= entry.askAfter;
}

/**
 * Records an admission through the objects, with the leases they granted: the key's and, for a key
 * in a team, the team's are used together or not at all. A refused ask (a bucket under half full,
 * a team under 100 RPM) is not repeated for BUSY_MS, so a lease granted on one side only cannot
 * strand slots on every request.
 */
export function recordAdmission(
  keyHash: string,
  asked: boolean,
  key: Admitted,
  team: Admitted | undefined,
  now: number,
): void {
  if (!book.has(keyHash) && book.size >= BOOK_LIMIT) book.clear();
  const usable = key.lease !== undefined && (key.key.teamId === null || team?.lease !== undefined);
  const askAfter = !asked ? (book.get(keyHash)?.askAfter ?? 0) : usable ? 0 : now + BUSY_MS;
  book.set(keyHash, {
    seenAt: now,
    askAfter,
    ...(usable ? { key: held(key, now), ...(team ? { team: held(team, now) } : {}) } : {}),
  });
}

/**
 * An admission from this isolate's lease — one slot and `tokens` of allowance from the key's and
 * the team's — or undefined: ask the objects (which may grant a fresh lease).
 */
export function admitLocally(
  keyHash: string,
  model: string,
  tokens: number,
  now: number,
): LocalAdmission | undefined {
  const entry = book.get(keyHash);
  const { key, team } = entry ?? {};
  if (!key || !usable(key, model, tokens, now)) return undefined;
  if (key.admitted.key.teamId !== null && (!team || !usable(team, model, tokens, now))) return undefined;
  return {
    key: spend(key, tokens),
    team: team && spend(team, tokens),
    reserves: key.lease.reserves || team?.lease.reserves === true,
    refund(side, unused, at) {
      const from = side === 'key' ? key : team;
      if (!from || from.tokens === null || at >= from.until) return false;
      from.tokens += unused;
      return true;
    },
  };
}

/**
 * Ends the key's lease (and its team's) in this isolate and says what they left unused, for the
 * admission about to ask the objects to give back. Tokens of requests still running then settle
 * at the object, like any admission's.
 */
export function closeLease(keyHash: string): { key?: Unused; team?: Unused & { teamId: string } } {
  const entry = book.get(keyHash);
  if (!entry?.key) return {};
  const key = close(entry.key);
  const teamId = entry.key.admitted.key.teamId;
  const team = entry.team && teamId !== null ? { ...close(entry.team), teamId } : undefined;
  delete entry.key;
  delete entry.team;
  return { ...(key ? { key } : {}), ...(team ? { team } : {}) };
}

export interface Unused {
  requests: number;
  tokens: number;
}

function close(held: Held): Unused {
  const unused = { requests: held.left ?? 0, tokens: held.tokens ?? 0 };
  held.left = 0;
  held.tokens = held.tokens === null ? null : 0;
  held.until = 0;
  return unused;
}

/** A key's lease, after its object refused a leased request's reservation. */
export function dropLease(keyHash: string): void {
  const entry = book.get(keyHash);
  if (entry?.key) close(entry.key);
  if (entry?.team) close(entry.team);
  book.delete(keyHash);
}

/** Every lease of this isolate: an admin change must not wait for them to run out here. */
export function forgetLeases(): void {
  for (const entry of book.values()) {
    if (entry.key) close(entry.key);
    if (entry.team) close(entry.team);
  }
  book.clear();
}

function held(admitted: Admitted, now: number): Held {
  const lease = admitted.lease as Lease;
  return { admitted, lease, left: lease.requests, tokens: lease.tokens, until: now + lease.ms };
}

function usable(held: Held, model: string, tokens: number, now: number): boolean {
  return (
    now < held.until &&
    held.left !== 0 &&
    (held.tokens === null || held.tokens >= tokens) &&
    modelAllowed(held.lease.models, model)
  );
}

/** One slot and the request's tokens; the rate headers count the lease's unused share as the key's own. */
function spend(held: Held, tokens: number): Admitted {
  if (held.left !== null) held.left--;
  if (held.tokens !== null) held.tokens -= tokens;
  const rate = withLease(held.admitted.rate, held.left ?? 0, held.tokens ?? 0);
  return { ...held.admitted, rate, reservedTokens: held.tokens === null ? 0 : tokens, reservedUsd: 0 };
}

/** The rate windows as the key sees them: what its leases hold is still its own. */
export function withLease(rate: RateState, slots: number, tokens: number): RateState {
  const plus = (window: RateState['requests'], extra: number) =>
    window && extra > 0 ? { ...window, remaining: window.remaining + extra } : window;
  const requests = plus(rate.requests, slots);
  const allowance = plus(rate.tokens, tokens);
  return { ...(requests ? { requests } : {}), ...(allowance ? { tokens: allowance } : {}) };
}
