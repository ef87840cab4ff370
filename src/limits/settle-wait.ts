// Near the end of a budget, a request the budget could hold once the requests in flight are
// settled waits a little for their settles instead of being refused. A client that sends one
// request at a time was refused for its own previous request: that settle leaves its isolate a few
// milliseconds after the answer (settle-outbox.ts), and the next request can arrive first.
import type { AdmitResult } from './admit-rpc';
import type { BudgetState } from './budget';

type BudgetExceeded = Extract<AdmitResult, { reason: 'budget_exceeded' }>;

/** The longest an admission waits for settles before it is refused after all. */
export const SETTLE_WAIT_MS = 2000;
/** Admissions waiting at once per object; past this, a refusal is answered at once. */
const MAX_WAITING = 32;

/**
 * Whether settles of other requests may let the request in: the budget holds what is spent, what
 * lease shares hold (given back only when their isolates ask again) and what this request itself
 * holds already (a top-up's first reservation, under the same id: it cannot settle while it waits),
 * plus this request — and other requests' reservations are what stands in its way.
 */
export function settlesMayAdmit(refused: BudgetExceeded, costUsd: number, ownUsd: number): boolean {
  const others = refused.reservedUsd - refused.leasedUsd - ownUsd;
  const fixed = refused.spentUsd + refused.leasedUsd + ownUsd;
  return others > 0 && fixed + costUsd <= refused.budgetUsd;
}

/** What the request with this reservation id holds in the ledger already. */
export function ownReservedUsd(ledger: BudgetState | undefined, reservationId: string): number {
  let usd = 0;
  for (const reservation of ledger?.reservations ?? [])
    if (reservation.id === reservationId) usd += reservation.usd;
  return usd;
}

/** Admissions waiting for the ledger to change (a settle, a share given back, a raised budget). */
export class LedgerWaits {
  private readonly waiting = new Set<() => void>();

  /** Resolves at the next change, or after `ms`; undefined when too many wait already. */
  next(ms: number): Promise<void> | undefined {
    if (ms <= 0 || this.waiting.size >= MAX_WAITING) return undefined;
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiting.add(wake);
    });
  }

  /** The ledger changed: every waiting admission looks again. */
  changed(): void {
    for (const wake of [...this.waiting]) wake();
  }
}
