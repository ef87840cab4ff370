// Near the end of a budget, a request the budget could hold once the requests in flight are
// settled waits a little for their settles instead of being refused. A client that sends one
// request at a time was refused for its own previous request: that settle leaves its isolate a few
// milliseconds after the answer (settle-outbox.ts), and the next request can arrive first.
import type { AdmitResult } from './admit-rpc';

type BudgetExceeded = Extract<AdmitResult, { reason: 'budget_exceeded' }>;

/** The longest an admission waits for settles before it is refused after all. */
export const SETTLE_WAIT_MS = 2000;
/** Admissions waiting at once per object; past this, a refusal is answered at once. */
const MAX_WAITING = 32;

/**
 * Whether settles may let the request in: the budget holds what is spent plus this request, and
 * only reservations (requests in flight, lease shares) stand in its way.
 */
export function settlesMayAdmit(refused: BudgetExceeded, costUsd: number): boolean {
  return refused.reservedUsd > 0 && refused.spentUsd + costUsd <= refused.budgetUsd;
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
