// A new policy at a key's or team's object (KeyObject.setPolicy): a changed limit resizes its
// bucket, keeping what was used of the old one, and a budget's new window recomputes its spend.
import type { KeyPolicy } from '../keys/policy';
import { type Budget, type BudgetState, current, realerted, sameWindow } from './budget';
import type { LeaseLedger } from './lease-ledger';
import { type Bucket, refill } from './token-bucket';

interface PolicyState {
  requests: Bucket | undefined;
  tokens: Bucket | undefined;
  ledger: BudgetState | undefined;
}

/** The buckets under `policy`, and the ledger to store (undefined: nothing to store); `leases` forgets resized shares. */
export function policyApplied(
  previous: KeyPolicy | null,
  policy: KeyPolicy,
  state: PolicyState,
  leases: LeaseLedger,
  now: number,
): PolicyState {
  let { requests, tokens } = state;
  // A changed limit resizes its bucket, keeping what was used in the last minute (requests in
  // flight settle into it: a cut from 1M to 50k TPM is 50k from now, not 50k plus what they give
  // back). Lease shares of it are forgotten; the other bucket's stay held.
  if (previous?.limits.rpm !== policy.limits.rpm) {
    requests = resized(requests, previous?.limits.rpm, policy.limits.rpm, now);
    leases.forget('requests');
  }
  if (previous?.limits.tpm !== policy.limits.tpm) {
    tokens = resized(tokens, previous?.limits.tpm, policy.limits.tpm, now);
    leases.forget('tokens');
  }
  // A budget's new window (period or start) recomputes its spend (budget.ts `current`) at the
  // change. Shares leases hold stay reserved in it.
  const ledger = recounted(state.ledger, previous?.budget, policy.budget, now);
  return { requests, tokens, ledger };
}

/**
 * A bucket under a new limit, keeping what was used of the old one (the new one may start below
 * zero: it refills at the new rate). A full bucket (undefined) when either limit is not the key's
 * own (the config's default, or none), whose size this object does not know here.
 */
export function resized(
  bucket: Bucket | undefined,
  before: number | null | undefined,
  after: number | null | undefined,
  now: number,
): Bucket | undefined {
  if (!bucket || typeof before !== 'number' || typeof after !== 'number') return undefined;
  const used = before - refill(bucket, { perMinute: before }, now).tokens;
  return { tokens: after - used, updatedAt: now };
}

/**
 * The ledger recounted for a budget's new window (period or start), to be stored: an alert is
 * dated from it. A ledger stored before it knew its window learns it from the budget it was
 * counted under first. In the same window, a new amount or threshold re-reads the alert (a raised
 * budget no longer reads "crossed" at a fraction of it), and a raised amount the refusal told
 * (`rearmed`). Undefined when there is nothing to store (no ledger, no budget, or the same window
 * with the alert as it was).
 */
export function recounted(
  ledger: BudgetState | undefined,
  before: Budget | null | undefined,
  budget: Budget | null,
  now: number,
): BudgetState | undefined {
  if (!ledger || !budget) return undefined;
  if (before && sameWindow(before, budget)) {
    const inPeriod = current(ledger, budget, now);
    const realert = realerted(inPeriod, budget, now);
    return rearmed(realert ?? inPeriod, before, budget) ?? realert;
  }
  const counted = before ? current(ledger, before, now) : ledger;
  const inWindow = current(counted, budget, now);
  return rearmed(inWindow, before, budget) ?? inWindow;
}

/**
 * A raised (or newly set) budget can run out again in the same period — a `total` one has no
 * other: its `budget.exhausted` (src/limits/budget-notices.ts) is told again, as its alert is
 * (`realerted`). Undefined when the refusal recorded stands.
 */
function rearmed(
  ledger: BudgetState,
  before: Budget | null | undefined,
  budget: Budget,
): BudgetState | undefined {
  if (ledger.exhaustedAt === undefined || (before && budget.usd <= before.usd)) return undefined;
  const { exhaustedAt: _told, ...rest } = ledger;
  return rest;
}
