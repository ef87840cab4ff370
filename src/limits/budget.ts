// Pure budget math (USD): calendar or anchored periods in UTC, reservations that make the budget a
// hard cap under concurrency, settle, expiry. `now` (ms) is always passed in.
import { z } from 'zod';

export const budgetSchema = z.strictObject({
  usd: z.number().positive().max(1_000_000_000),
  period: z.enum(['day', 'week', 'month', 'total']),
  /** Fixed window start (ms) instead of calendar alignment: windows repeat from here. */
  anchor: z.number().int().nullish(),
  /** Fraction of the budget at which a soft-limit alert is recorded (default 0.8). */
  alertAt: z.number().gt(0).max(1).nullish(),
});
export type Budget = z.infer<typeof budgetSchema>;

export const reservationSchema = z.object({ id: z.string(), usd: z.number(), expiresAt: z.number() });
export const budgetStateSchema = z.object({
  periodStart: z.number(),
  spentUsd: z.number(),
  reservations: z.array(reservationSchema),
  alertedAt: z.number().nullable(),
});
export type BudgetState = z.infer<typeof budgetStateSchema>;

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Sums of many small costs drift in binary floating point; keep ten decimals. */
export const roundUsd = (usd: number) => Math.round(usd * 1e10) / 1e10;

function addMonthsUTC(ms: number, months: number): number {
  const date = new Date(ms);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  target.setUTCHours(
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    date.getUTCMilliseconds(),
  );
  return target.getTime();
}

export function periodBounds(
  budget: Pick<Budget, 'period' | 'anchor'>,
  now: number,
): { start: number; end: number } {
  const anchor = budget.anchor ?? null;
  switch (budget.period) {
    case 'total':
      return { start: anchor ?? 0, end: Number.POSITIVE_INFINITY };
    case 'day':
    case 'week': {
      const length = budget.period === 'day' ? DAY : WEEK;
      // Calendar weeks start on Monday: 1970-01-05 was the first Monday after the epoch.
      const origin = anchor ?? (budget.period === 'day' ? 0 : 4 * DAY);
      const start = origin + Math.floor((now - origin) / length) * length;
      return { start, end: start + length };
    }
    case 'month': {
      const origin = anchor ?? Date.UTC(1970, 0, 1);
      const a = new Date(origin);
      const n = new Date(now);
      let k = (n.getUTCFullYear() - a.getUTCFullYear()) * 12 + (n.getUTCMonth() - a.getUTCMonth());
      while (addMonthsUTC(origin, k) > now) k--;
      while (addMonthsUTC(origin, k + 1) <= now) k++;
      return { start: addMonthsUTC(origin, k), end: addMonthsUTC(origin, k + 1) };
    }
  }
}

export function emptyState(periodStart: number): BudgetState {
  return { periodStart, spentUsd: 0, reservations: [], alertedAt: null };
}

/** Starts a new period when `now` left the stored one; open reservations carry over. */
export function current(state: BudgetState | undefined, budget: Budget, now: number): BudgetState {
  const { start } = periodBounds(budget, now);
  if (!state) return emptyState(start);
  if (state.periodStart === start) return state;
  return { ...emptyState(start), reservations: state.reservations };
}

export const reservedUsd = (state: BudgetState) =>
  roundUsd(state.reservations.reduce((sum, r) => sum + r.usd, 0));

export type ReserveResult =
  | { ok: true; state: BudgetState }
  | { ok: false; state: BudgetState; spentUsd: number; reservedUsd: number };

/** Admits only if spent + reserved + this reservation stays within the budget. */
export function reserve(
  state: BudgetState,
  budget: Budget,
  reservation: { id: string; usd: number; expiresAt: number },
): ReserveResult {
  const reserved = reservedUsd(state);
  // A cost that is not a number (a bug upstream of here) is refused: stored, it would make every
  // later check `NaN > usd`, which admits everything, and the ledger unreadable.
  const usd = reservation.usd;
  if (!Number.isFinite(usd) || usd < 0 || roundUsd(state.spentUsd + reserved + usd) > budget.usd) {
    return { ok: false, state, spentUsd: state.spentUsd, reservedUsd: reserved };
  }
  return { ok: true, state: { ...state, reservations: [...state.reservations, reservation] } };
}

/** Replaces a reservation with the real cost (charged even if the reservation already expired). */
export function settle(
  state: BudgetState,
  budget: Budget,
  id: string,
  actualUsd: number,
  now: number,
): BudgetState {
  const spentUsd = roundUsd(state.spentUsd + Math.max(0, actualUsd));
  const threshold = (budget.alertAt ?? 0.8) * budget.usd;
  const alertedAt = state.alertedAt ?? (spentUsd >= threshold ? now : null);
  return { ...state, spentUsd, alertedAt, reservations: state.reservations.filter((r) => r.id !== id) };
}

/**
 * An admission lease's budget share (src/limits/lease.ts): a hundredth of what is left, so the
 * shares isolates hold shrink with the budget; none when that would not cover `atLeast` (the worst
 * case of the request asking), which leaves the last requests of a budget to the object, one by one.
 */
export function leaseShare(state: BudgetState, budget: Budget, atLeast: number): number {
  const left = budget.usd - state.spentUsd - reservedUsd(state);
  // Rounded down: a share never holds more than what is left.
  const share = Math.floor((Math.max(0, left) / LEASE_BUDGET_SHARE) * 1e10) / 1e10;
  return share > 0 && share >= atLeast ? share : 0;
}
const LEASE_BUDGET_SHARE = 100;

/** The reservation that holds a lease's share in the ledger. */
export const leaseReservation = (leaseId: number) => `lease:${leaseId}`;

/** What the leases' shares hold (part of reservedUsd): reserved for requests not yet made. */
export const leasedUsd = (state: BudgetState) =>
  roundUsd(state.reservations.reduce((sum, r) => (r.id.startsWith('lease:') ? sum + r.usd : sum), 0));

/** Takes `usd` out of a lease's reservation (given back unused, or drawn by a request); emptied, it goes. */
export function releaseFromLease(state: BudgetState, leaseId: number, usd: number): BudgetState {
  const id = leaseReservation(leaseId);
  const held = state.reservations.find((r) => r.id === id);
  if (!held || !(usd > 0)) return state;
  const rest = roundUsd(held.usd - usd);
  const others = state.reservations.filter((r) => r !== held);
  return { ...state, reservations: rest > 0 ? [...others, { ...held, usd: rest }] : others };
}

/**
 * A request admitted from a lease's share: its worst case moves from the lease's reservation to
 * its own, which settle replaces (or expiry releases) as for any admission. Made even when the
 * lease's reservation is gone: the request is running, so its cost must stay reserved.
 */
export function drawFromLease(
  state: BudgetState,
  leaseId: number,
  reservation: { id: string; usd: number; expiresAt: number },
): BudgetState {
  const released = releaseFromLease(state, leaseId, reservation.usd);
  return { ...released, reservations: [...released.reservations, reservation] };
}

/** Releases reservations whose settle never came (the isolate that held them died). */
export function expire(state: BudgetState, now: number): BudgetState {
  const reservations = state.reservations.filter((r) => r.expiresAt > now);
  return reservations.length === state.reservations.length ? state : { ...state, reservations };
}

export function nextExpiry(state: BudgetState): number | undefined {
  let next: number | undefined;
  for (const r of state.reservations) if (next === undefined || r.expiresAt < next) next = r.expiresAt;
  return next;
}

/**
 * When a request admitted at `admittedAt` must be done. Its budget reservation is released
 * `reservationTtlMs` after it was made, as if its settle had been lost: a request still running
 * then would be spending what new requests may reserve again. The margin is the settle's time to
 * arrive. Attempts, backoffs and streams all end by then (routes/chat-completions.ts).
 */
export function answerDeadline(admittedAt: number, reservationTtlMs: number): number {
  return admittedAt + reservationTtlMs - Math.min(10_000, reservationTtlMs / 10);
}

/** A stream's time limit: `streamMaxMs` if set, and with a deadline never past it (whole ms, ≥ 1). */
export function streamLimitMs(
  streamMaxMs: number | undefined,
  deadline: number | undefined,
  now: number,
): number | undefined {
  if (deadline === undefined) return streamMaxMs;
  const left = Math.max(1, Math.floor(deadline - now));
  return streamMaxMs === undefined ? left : Math.min(streamMaxMs, left);
}
