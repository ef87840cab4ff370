// The JSON a budget alert webhook receives: who (a key or a team, by id and name — never a key's
// secret or hash), which budget and period, and the spend that crossed it.
import type { KeyPolicy } from '../keys/policy';
import { type Budget, type BudgetState, periodBounds } from '../limits/budget';

export type BudgetEventType = 'budget.alert' | 'budget.exhausted';

export interface BudgetEvent {
  type: BudgetEventType;
  /** ISO time the crossing was recorded. */
  at: string;
  key?: { id: string; name: string };
  team?: { id: string; name: string };
  budget: {
    usd: number;
    period: Budget['period'];
    periodStart: string;
    /** null for a `total` budget, which never ends. */
    periodEnd: string | null;
    alertAt: number;
  };
  spendUsd: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function budgetEvent(
  type: BudgetEventType,
  policy: Pick<KeyPolicy, 'kind' | 'id' | 'name'>,
  budget: Budget,
  ledger: BudgetState,
  now: number,
): BudgetEvent {
  const { end } = periodBounds(budget, now);
  const who = { id: policy.id, name: policy.name };
  return {
    type,
    at: iso(now),
    ...(policy.kind === 'team' ? { team: who } : { key: who }),
    budget: {
      usd: budget.usd,
      period: budget.period,
      periodStart: iso(ledger.periodStart),
      periodEnd: Number.isFinite(end) ? iso(end) : null,
      alertAt: budget.alertAt ?? 0.8,
    },
    spendUsd: ledger.spentUsd,
  };
}

/**
 * Whether a ledger write records the budget's alert for the first time in its period: none was
 * recorded before, or the one recorded was of an earlier period. A ledger records its alert once
 * per period (budget.ts `settle`), so this holds once per crossing.
 */
export function alertCrossed(before: BudgetState | undefined, after: BudgetState): boolean {
  if (after.alertedAt === null) return false;
  return before?.alertedAt == null || before.periodStart !== after.periodStart;
}
