// A request's worst case reserved in its key's or team's budget ledger at admission
// (KeyObject.admitAt), or the refusal when the budget cannot hold it.
import type { AdmitRequest, AdmitResult } from './admit-rpc';
import { type Budget, type BudgetState, current, expire, leasedUsd, periodBounds, reserve } from './budget';

type BudgetExceeded = Extract<AdmitResult, { reason: 'budget_exceeded' }>;

/** The ledger (brought to the current period, expired reservations gone) with the request's reservation. */
export function reserveWorstCase(
  stored: BudgetState | undefined,
  budget: Budget,
  request: Pick<AdmitRequest, 'reservationId' | 'costUsd' | 'reservationTtlMs'>,
  now: number,
): { ok: true; ledger: BudgetState } | BudgetExceeded {
  const ledger = expire(current(stored, budget, now), now);
  const reservation = {
    id: request.reservationId,
    usd: request.costUsd,
    expiresAt: now + request.reservationTtlMs,
  };
  const result = reserve(ledger, budget, reservation);
  if (!result.ok) {
    const { end } = periodBounds(budget, now);
    return {
      ok: false,
      reason: 'budget_exceeded',
      budgetUsd: budget.usd,
      spentUsd: result.spentUsd,
      reservedUsd: result.reservedUsd,
      leasedUsd: leasedUsd(ledger),
      resetAt: Number.isFinite(end) ? end : null,
    };
  }
  return { ok: true, ledger: result.state };
}
