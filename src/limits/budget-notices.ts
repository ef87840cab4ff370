// Which budget events a key's or team's object pushes to the alerts webhook (src/alerts/), each
// once per period: the alert threshold crossed by a settle, and the first request refused for the
// budget. The ledger records both, so neither is sent again in its period.
import { alertCrossed, type BudgetEvent, budgetEvent } from '../alerts/budget-event';
import { type BudgetState, current } from './budget';
import { type KeyState, saveLedger } from './key-state';

/** The alert a settle's ledger write records for the first time in its period, if it does. */
export function alertNotice(
  state: KeyState,
  before: BudgetState | undefined,
  after: BudgetState,
  now: number,
): BudgetEvent | undefined {
  const { policy } = state;
  if (!policy?.budget || !alertCrossed(before, after)) return undefined;
  return budgetEvent('budget.alert', policy, policy.budget, after, now);
}

/**
 * A request refused for the budget: the first of its period is recorded in the ledger (stored
 * before the refusal is answered, as every ledger write is) and told; later ones are not.
 */
export function exhaustedNotice(state: KeyState, now: number): BudgetEvent | undefined {
  const budget = state.policy?.budget;
  if (!state.policy || !budget) return undefined;
  const ledger = current(state.ledger, budget, now);
  if (ledger.exhaustedAt !== undefined && ledger.exhaustedAt >= ledger.periodStart) return undefined;
  const marked = { ...ledger, exhaustedAt: now };
  saveLedger(state, marked);
  return budgetEvent('budget.exhausted', state.policy, budget, marked, now);
}
