// A request's settle as the isolate sends it (SettleRequest), and a batch of them as a key's or
// team's object applies it: each request's once (ids settled lately and repeats in the batch
// skipped), its unused tokens back to the TPM bucket, a released request's slot back to the RPM
// bucket, and its cost charged to the budget ledger (one write).
import type { KeyPolicy } from '../keys/policy';
import {
  type BudgetState,
  current,
  releaseFromLease,
  settle as settleBudget,
  withoutReservation,
} from './budget';
import { limitOf } from './rate-state';
import { adjust, type Bucket } from './token-bucket';

export interface SettleRequest {
  reservationId: string;
  reservedTokens: number;
  /** Tokens really consumed (0 when nothing reached a provider or the answer came from cache). */
  usedTokens: number;
  /** The real cost in USD (0 when nothing was consumed). */
  costUsd: number;
  /** The tpm default in force at admission, for keys without a tpm of their own. */
  tpm?: number;
  /**
   * Gives back a reservation made for a request another refusal stopped (its team's, say): its
   * reservation id is not remembered as settled, since the same request may still reserve here
   * (served from a lease after all, it does so under another id: leasedReservationId).
   */
  release?: boolean;
  /**
   * With `release`: the release's own id, remembered instead, so a release sent again (its answer
   * lost) gives the slot and tokens back once. Without one it is applied each time it arrives.
   */
  releaseId?: string;
  /**
   * With `release`: the admission took a request slot here (it was not prepaid from a lease), and
   * the slot goes back too: a request another refusal stopped was never made.
   */
  requestSlot?: boolean;
  /** The rpm default in force at admission, for keys without an rpm of their own (a released slot). */
  rpm?: number;
  /**
   * The request's worst case was drawn from this lease's budget share and not booked as its own
   * (src/limits/lease-draw.ts): it leaves the share as the cost is charged.
   */
  drawn?: { leaseId: number; usd: number };
}

/** What a batch of settles changes at the object. */
export interface Settled {
  requests: Bucket | undefined;
  tokens: Bucket | undefined;
  /** The ledger charged; undefined without a budget (nothing to store) unless a reservation left it. */
  ledger: BudgetState | undefined;
  /** Reservation ids given back (ReleasedReservations). */
  released: string[];
}

/**
 * The settles to apply: ids settled lately (`seen`, a resend) and repeats in the batch are
 * skipped, and `fresh` is the ids of the rest. A release is known by its own id, not the
 * reservation's: the same request may still reserve here.
 */
export function freshSettles(
  all: SettleRequest[],
  seen: (id: string) => boolean,
): { settles: SettleRequest[]; fresh: Set<string> } {
  const fresh = new Set<string>();
  const settles = all.filter((request) => {
    const id = request.release ? request.releaseId : request.reservationId;
    if (id === undefined) return true;
    if (seen(id) || fresh.has(id)) return false;
    fresh.add(id);
    return true;
  });
  return { settles, fresh };
}

/** A count or amount that is a number; undefined for NaN, ±Infinity or a negative. */
const finite = (value: number): number | undefined =>
  Number.isFinite(value) && value >= 0 ? value : undefined;

/** The buckets and ledger after `settles` (each applied: run them through freshSettles first). */
export function applySettles(
  policy: KeyPolicy | null,
  state: { requests: Bucket | undefined; tokens: Bucket | undefined; ledger: BudgetState | undefined },
  settles: SettleRequest[],
  now: number,
): Settled {
  let { requests, tokens } = state;
  const released: string[] = [];
  const budget = policy?.budget;
  // Without a budget (removed while these requests ran) nothing is charged, but what they still
  // hold in the ledger kept from before goes: else a budget set again finds it reserved, and
  // refuses (402) for what nothing uses, until its TTL.
  let ledger = budget ? current(state.ledger, budget, now) : state.ledger;
  for (const request of settles) {
    // Not a number (a bad report that got this far): the reserved tokens stay used and no cost is
    // charged — never a NaN bucket or ledger, which would refuse or allow everything after it.
    const used = finite(request.usedTokens) ?? request.reservedTokens;
    const tpmLimit = limitOf(policy?.limits.tpm ?? request.tpm);
    if (tpmLimit && tokens && request.reservedTokens > 0) {
      tokens = adjust(tokens, tpmLimit, request.reservedTokens - used, now);
    }
    const rpmLimit = request.release && request.requestSlot && limitOf(policy?.limits.rpm ?? request.rpm);
    if (rpmLimit && requests) requests = adjust(requests, rpmLimit, 1, now);
    if (ledger) {
      if (request.drawn) ledger = releaseFromLease(ledger, request.drawn.leaseId, request.drawn.usd);
      ledger = budget
        ? settleBudget(ledger, budget, request.reservationId, finite(request.costUsd) ?? 0, now)
        : withoutReservation(ledger, request.reservationId);
      if (request.release) released.push(request.reservationId);
    }
  }
  // Without a budget, stored only when a reservation left it: a key that never had one writes
  // nothing on settle.
  return { requests, tokens, ledger: budget || ledger !== state.ledger ? ledger : undefined, released };
}
