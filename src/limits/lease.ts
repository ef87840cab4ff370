// Admission leases: per-isolate knowledge that lets a busy key's requests skip the Durable Object
// round trip. An isolate that admitted a key recently asks for a lease with its next admission; the
// object grants a few RPM slots (taken from the bucket up front) and the policy facts the isolate
// can check itself, valid for LEASE_MS (key-object.ts grantLease). Until the slots or the time run
// out, admissions of that key here are local: a cache hit needs nothing more, and a request that
// goes upstream makes its one round trip only to reserve TPM and budget (when the key has them).
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
  key: Admitted;
  team: Admitted | undefined;
  /** Whether a request that goes upstream must still reserve TPM or budget at the objects. */
  reserves: boolean;
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

/** An admission from this isolate's lease, taking one slot from each, or undefined: ask the objects. */
export function admitLocally(keyHash: string, model: string, now: number): LocalAdmission | undefined {
  const entry = book.get(keyHash);
  const { key, team } = entry ?? {};
  if (!key || !usable(key, model, now)) return undefined;
  if (key.admitted.key.teamId !== null && (!team || !usable(team, model, now))) return undefined;
  return {
    key: spend(key),
    team: team && spend(team),
    reserves: key.lease.reserves || team?.lease.reserves === true,
  };
}

/** A key's lease, after its object refused a leased request's reservation. */
export function dropLease(keyHash: string): void {
  book.delete(keyHash);
}

/** Every lease of this isolate: an admin change must not wait for them to run out here. */
export function forgetLeases(): void {
  book.clear();
}

function held(admitted: Admitted, now: number): Held {
  const lease = admitted.lease as Lease;
  return { admitted, lease, left: lease.requests, until: now + lease.ms };
}

function usable(held: Held, model: string, now: number): boolean {
  return now < held.until && held.left !== 0 && modelAllowed(held.lease.models, model);
}

/** One slot; the rate headers count the lease's unused slots as the key's own. */
function spend(held: Held): Admitted {
  if (held.left !== null) held.left--;
  const rate = withSlots(held.admitted.rate, held.left ?? 0);
  return { ...held.admitted, rate, reservedTokens: 0, reservedUsd: 0 };
}

export function withSlots(rate: RateState, slots: number): RateState {
  if (!rate.requests || slots === 0) return rate;
  return { ...rate, requests: { ...rate.requests, remaining: rate.requests.remaining + slots } };
}
