// A settle at an object whose budget was removed while its requests ran: what they still hold of
// the kept ledger goes, and nothing is stored when nothing went (a key without a budget writes no
// ledger on each of its settles).
import { describe, expect, it } from 'vitest';
import { type BudgetState, emptyState, leaseReservation } from '../../src/limits/budget';
import { applySettles, type SettleRequest } from '../../src/limits/settle-batch';
import { keyPolicy } from '../helpers/key-policy';

const NOW = Date.UTC(2026, 5, 1);
const unbudgeted = keyPolicy({ budget: null });
const settle = (reservationId: string, extra: Partial<SettleRequest> = {}): SettleRequest => ({
  reservationId,
  reservedTokens: 0,
  usedTokens: 1,
  costUsd: 0.1,
  ...extra,
});
const kept: BudgetState = {
  ...emptyState(NOW - 1000, { period: 'month', anchor: null }),
  spentUsd: 0.4,
  reservations: [
    { id: 'ran', usd: 0.9, expiresAt: NOW + 60_000 },
    { id: leaseReservation(3), usd: 0.5, expiresAt: NOW + 1000 },
  ],
};
const state = (ledger: BudgetState | undefined) => ({ requests: undefined, tokens: undefined, ledger });

describe('applySettles without a budget', () => {
  it("ends a settled request's reservation and its lease draw, charging nothing", () => {
    const { ledger } = applySettles(
      unbudgeted,
      state(kept),
      [settle('ran', { drawn: { leaseId: 3, usd: 0.2 } })],
      NOW,
    );
    expect(ledger).toMatchObject({ spentUsd: 0.4, reservations: [{ id: leaseReservation(3), usd: 0.3 }] });
  });

  it('stores nothing when the settle ends nothing it holds, or there is no ledger at all', () => {
    expect(applySettles(unbudgeted, state(kept), [settle('other')], NOW).ledger).toBeUndefined();
    expect(applySettles(unbudgeted, state(undefined), [settle('other')], NOW).ledger).toBeUndefined();
    expect(applySettles(null, state(undefined), [settle('other')], NOW).ledger).toBeUndefined();
  });
});
