// Pure budget math (USD): calendar or anchored periods in UTC, reservations that make the budget a
// hard cap under concurrency, settle, expiry. `now` (ms) is always passed in.
import * as z from 'zod';

export const budgetSchema = z.strictObject({
  usd: z.number().positive().max(1_000_000_000),
  period: z.enum(['day', 'week', 'month', 'total']),
  /** Fixed window start (ms) instead of calendar alignment: windows repeat from here. */
  anchor: z.number().int().nullish(),
  /** Fraction of the budget at which a soft-limit alert is recorded (default 0.8). */
  alertAt: z.number().gt(0).max(1).nullish(),
});
export type Budget = z.infer<typeof budgetSchema>;

/** What a period is cut by: changed by an admin, the spend is recomputed, not reset (`current`). */
const windowSchema = z.object({ period: budgetSchema.shape.period, anchor: z.number().nullable() });
export type BudgetWindow = z.infer<typeof windowSchema>;

export const reservationSchema = z.object({ id: z.string(), usd: z.number(), expiresAt: z.number() });
export const budgetStateSchema = z.object({
  periodStart: z.number(),
  spentUsd: z.number(),
  reservations: z.array(reservationSchema),
  alertedAt: z.number().nullable(),
  /**
   * When a request was first refused for the budget (`budget.exhausted`, src/limits/budget-notices.ts):
   * of this period if not before `periodStart`. Absent until a refusal records it.
   */
  exhaustedAt: z.number().optional(),
  // The rest is absent from ledgers stored before it was kept (`withHistory`).
  /** The window `periodStart` and `spentUsd` were counted in. */
  window: windowSchema.optional(),
  /** Everything charged to the ledger, ever. */
  lifetimeUsd: z.number().optional(),
  /** USD charged each UTC day (ms / DAY) with spend of the last HISTORY_DAYS. */
  days: z.array(z.object({ day: z.number().int(), usd: z.number() })).optional(),
});
export type BudgetState = z.infer<typeof budgetStateSchema>;

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** Days of spend kept: more than the longest period (a month of 31 days) plus the day it starts in. */
export const HISTORY_DAYS = 40;
const dayOf = (ms: number) => Math.floor(ms / DAY);

/**
 * Sums of many small costs drift in binary floating point; keep twelve decimals: ten lost 2.4 % of
 * a $0.00000000123 request (a price of $0.00123 per million tokens), and never counted one under
 * $0.00000000005.
 */
export const roundUsd = (usd: number) => Math.round(usd * 1e12) / 1e12;

/** Midnight UTC of a day, any year: `Date.UTC` reads years 0–99 as 1900–1999. */
function utcDay(year: number, month: number, day: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  return date;
}

function addMonthsUTC(ms: number, months: number): number {
  const date = new Date(ms);
  const target = utcDay(date.getUTCFullYear(), date.getUTCMonth() + months, 1);
  const lastDay = utcDay(target.getUTCFullYear(), target.getUTCMonth() + 1, 0).getUTCDate();
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

const windowOf = (budget: Pick<Budget, 'period' | 'anchor'>): BudgetWindow => ({
  period: budget.period,
  anchor: budget.anchor ?? null,
});

/** Whether two budgets (or a budget and a ledger's window) cut the same periods. */
export const sameWindow = (a: Pick<Budget, 'period' | 'anchor'>, b: Pick<Budget, 'period' | 'anchor'>) =>
  a.period === b.period && (a.anchor ?? null) === (b.anchor ?? null);

/** Rounded as spend is: 0.8 × $6 is 4.800000000000001 in binary, which a spend of exactly $4.80 never reached. */
const alertThreshold = (budget: Budget) => roundUsd((budget.alertAt ?? 0.8) * budget.usd);

/** A new ledger; without a window, it passes for one stored before ledgers knew theirs (`withHistory`). */
export function emptyState(periodStart: number, window?: BudgetWindow): BudgetState {
  const base = { periodStart, spentUsd: 0, reservations: [], alertedAt: null };
  return window ? { ...base, window, lifetimeUsd: 0, days: [] } : base;
}

/**
 * The ledger in the budget's period at `now`; open reservations carry over. In the window it was
 * counted in, a new period (a rollover) starts empty. A window an admin changed (period or start)
 * is not a new period: its spend is recomputed from the history (`spentSince`), so a change back
 * and forth cannot spend one period's budget twice.
 */
export function current(state: BudgetState | undefined, budget: Budget, now: number): BudgetState {
  const { start } = periodBounds(budget, now);
  const window = windowOf(budget);
  if (!state) return emptyState(start, window);
  const known = withHistory(state, budget, now);
  if (known.window && sameWindow(known.window, window)) {
    if (known.periodStart === start) return known;
    return { ...known, periodStart: start, spentUsd: 0, alertedAt: null };
  }
  // A period yet to start (`total` from a later `startsAt`) is charged from now, as it is after this.
  const spentUsd = spentSince(known, Math.min(start, now), now);
  // Alerted again only if the recomputed spend is past the threshold (kept if it was crossed in the new period).
  const crossed = known.alertedAt !== null && known.alertedAt >= start ? known.alertedAt : now;
  const alertedAt = spentUsd >= alertThreshold(budget) ? crossed : null;
  return { ...known, window, periodStart: start, spentUsd, alertedAt };
}

/**
 * The ledger's alert under a budget whose amount or threshold changed in the same window (a new
 * window is recounted by `current`): an alert the spend no longer reaches is cleared, one it now
 * passes is dated now rather than at the next settle. Undefined when the alert stands as it is.
 */
export function realerted(state: BudgetState, budget: Budget, now: number): BudgetState | undefined {
  const past = state.spentUsd >= alertThreshold(budget);
  if (past === (state.alertedAt !== null)) return undefined;
  return { ...state, alertedAt: past ? now : null };
}

/**
 * What was charged from `start` until now, as the history knows it: the days that overlap the
 * period, one only partly in it counted whole; for a period starting before the oldest day kept
 * (`total`, an old `startsAt`), everything ever charged. Both can over-count, never under-count:
 * a budget can only be held back by spend from before its period (until its next rollover), never
 * be spent twice. Spend is booked on the day it is charged (at settle), as the periods count it.
 */
function spentSince(state: BudgetState, start: number, now: number): number {
  if (start < (dayOf(now) - HISTORY_DAYS + 1) * DAY) return state.lifetimeUsd ?? state.spentUsd;
  let sum = 0;
  for (const { day, usd } of state.days ?? []) if ((day + 1) * DAY > start) sum += usd;
  return roundUsd(sum);
}

/**
 * A ledger stored before the history was kept knows only its period's spend. It is taken as
 * counted in this budget's window when its start is one of that window's, as it was unless the
 * window changed since; its spend is booked on the latest day it can have been charged — its
 * period's last, or today — so that every period that may hold some of it counts all of it. Any
 * other start: its window is unknown (a change), and its spend is carried, whole, into the budget's
 * period. Spend from before its period was never kept, and is not counted.
 */
function withHistory(state: BudgetState, budget: Budget, now: number): BudgetState {
  if (state.window) return state;
  const bounds = periodBounds(budget, state.periodStart);
  const fits = bounds.start === state.periodStart && bounds.start <= now;
  const last = fits ? Math.min(now, bounds.end - 1) : now;
  const days = state.spentUsd > 0 ? [{ day: dayOf(last), usd: state.spentUsd }] : [];
  const known = { ...state, lifetimeUsd: state.spentUsd, days };
  return fits ? { ...known, window: windowOf(budget) } : known;
}

/** `usd` charged now into the history; days older than HISTORY_DAYS go (lifetimeUsd keeps them). */
function booked(state: BudgetState, usd: number, now: number): Pick<BudgetState, 'lifetimeUsd' | 'days'> {
  const today = dayOf(now);
  const days = (state.days ?? []).filter(({ day }) => day > today - HISTORY_DAYS);
  const at = days.findIndex(({ day }) => day === today);
  if (at < 0) days.push({ day: today, usd });
  else days[at] = { day: today, usd: roundUsd((days[at]?.usd ?? 0) + usd) };
  return { lifetimeUsd: roundUsd((state.lifetimeUsd ?? 0) + usd), days };
}

/** Two ledgers' histories as one (a rotation's hand-over): lifetimes and days summed. */
export function joinedHistory(a: BudgetState, b: BudgetState): Pick<BudgetState, 'lifetimeUsd' | 'days'> {
  const days = new Map<number, number>();
  for (const { day, usd } of [...(a.days ?? []), ...(b.days ?? [])])
    days.set(day, roundUsd((days.get(day) ?? 0) + usd));
  const lifetimeUsd = roundUsd((a.lifetimeUsd ?? 0) + (b.lifetimeUsd ?? 0));
  return { lifetimeUsd, days: [...days].sort(([x], [y]) => x - y).map(([day, usd]) => ({ day, usd })) };
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
  const usd = Math.max(0, actualUsd);
  const spentUsd = roundUsd(state.spentUsd + usd);
  const alertedAt = state.alertedAt ?? (spentUsd >= alertThreshold(budget) ? now : null);
  const { reservations } = withoutReservation(state, id);
  return { ...state, ...(usd > 0 ? booked(state, usd, now) : {}), spentUsd, alertedAt, reservations };
}

/** The ledger without the reservation `id`, charging nothing (the same ledger when it holds none). */
export function withoutReservation(state: BudgetState, id: string): BudgetState {
  const reservations = state.reservations.filter((r) => r.id !== id);
  return reservations.length === state.reservations.length ? state : { ...state, reservations };
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
