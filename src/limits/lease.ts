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
import type { AdmitResult } from './admit-rpc';
import { roundUsd } from './budget';
import { askable, leaseEntry } from './lease-book';
import { type Held, runningLow, usable } from './lease-held';
import { withLease } from './lease-rate';

type Admitted = Extract<AdmitResult, { ok: true }>;

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

/**
 * An admission from this isolate's lease — one slot and `tokens` of allowance from the key's and
 * the team's — or undefined: ask the objects.
 */
export function admitLocally(
  keyHash: string,
  model: string | null,
  tokens: number,
  now: number,
): LocalAdmission | undefined {
  const entry = leaseEntry(keyHash);
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
