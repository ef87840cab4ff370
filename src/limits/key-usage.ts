// A key's or team's usage as its object reports it (the admin API's view of a key or team):
// spend, reservations and leases in the budget's current period, the rate windows, the last use.
import type { KeyPolicy } from '../keys/policy';
import { type BudgetState, current, expire, leasedUsd, periodBounds, reservedUsd, roundUsd } from './budget';
import type { RateState } from './rate-state';

export interface Usage {
  spendUsd: number;
  /** Reserved by requests in flight. */
  reservedUsd: number;
  /** Held by isolates' admission leases for requests not yet made (returned or expired within seconds). */
  leasedUsd: number;
  budgetUsd: number | null;
  periodStart: number | null;
  periodEnd: number | null;
  alert: { threshold: number; crossedAt: number | null } | null;
  rpm: { limit: number; remaining: number } | null;
  tpm: { limit: number; remaining: number } | null;
  /** Last admitted request (ms), precise to LAST_USED_PERSIST_MS across evictions. */
  lastUsedAt: number | null;
}

export function usageOf(
  budget: KeyPolicy['budget'],
  stored: BudgetState | undefined,
  rate: RateState,
  lastUsedAt: number | null,
  now: number,
): Usage {
  const ledger = budget ? expire(current(stored, budget, now), now) : undefined;
  const bounds = budget ? periodBounds(budget, now) : null;
  return {
    spendUsd: ledger?.spentUsd ?? 0,
    reservedUsd: ledger ? roundUsd(reservedUsd(ledger) - leasedUsd(ledger)) : 0,
    leasedUsd: ledger ? leasedUsd(ledger) : 0,
    budgetUsd: budget?.usd ?? null,
    // A `total` budget without an anchor has no start to show (it counts from the epoch).
    periodStart: bounds && (budget?.period !== 'total' || budget.anchor != null) ? bounds.start : null,
    periodEnd: bounds && Number.isFinite(bounds.end) ? bounds.end : null,
    alert: budget ? { threshold: budget.alertAt ?? 0.8, crossedAt: ledger?.alertedAt ?? null } : null,
    rpm: rate.requests ? { limit: rate.requests.limit, remaining: rate.requests.remaining } : null,
    tpm: rate.tokens ? { limit: rate.tokens.limit, remaining: rate.tokens.remaining } : null,
    lastUsedAt,
  };
}
