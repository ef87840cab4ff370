// One admission at a key's or team's object (KeyObject.admitAt), synchronous from read to write:
// given-back lease shares settled, the policy's end and models checked, then the RPM/TPM buckets
// taken (admit-buckets.ts), the budget's worst case reserved (budget-reservation.ts) and a lease
// granted when asked (lease-grant.ts) — all written together, or nothing.
import { endReason, modelAllowed } from '../keys/policy';
import { takeBuckets } from './admit-buckets';
import { type AdmitRequest, type AdmitResult, admittedKey } from './admit-rpc';
import { type BudgetState, current, expire } from './budget';
import { reserveWorstCase } from './budget-reservation';
import type { KeyRotation } from './key-object-rotation';
import { type KeyState, saveLedger, settleLeases } from './key-state';
import type { LastUse } from './last-use';
import { type Lease, leaseFor } from './lease-grant';
import { movedRefusal } from './moved';
import { limitsOf, rateStateOf } from './rate-state';

export function admitHere(
  state: KeyState,
  rotation: Pick<KeyRotation, 'moved' | 'awaiting'>,
  lastUse: LastUse,
  request: AdmitRequest,
  now: number,
): AdmitResult {
  if (rotation.moved) return movedRefusal(rotation.moved, now);
  const policy = state.policy;
  if (!policy) return { ok: false, reason: 'unknown' };
  const { rpm: rpmLimit, tpm: tpmLimit } = limitsOf(policy.limits, request.defaults);
  settleLeases(state, request.returned, rpmLimit, tpmLimit, now);
  const ended = endReason(policy, now);
  if (ended) return { ok: false, reason: ended };
  if (request.model !== null && !modelAllowed(policy.models, request.model))
    return { ok: false, reason: 'model_not_allowed' };
  // A request that calls no model costs nothing: its budget is neither checked nor reserved.
  const budget = request.model === null ? null : policy.budget;
  // Before a bucket is taken (a refused request consumes nothing), and so before any lease.
  if (budget && rotation.awaiting) return { ok: false, reason: 'awaiting_ledger' };

  const { held } = state.leases;
  const stored = { requests: state.requests, tokens: state.tokens };
  const taken = takeBuckets(request, rpmLimit, tpmLimit, stored, held, now);
  if (!taken.ok) return taken;
  const { requests, tokens } = taken;

  let reservedCost = 0;
  let ledger: BudgetState | undefined;
  if (budget) {
    const reserved = reserveWorstCase(state.ledger, budget, request, now);
    if (!reserved.ok) return reserved;
    ledger = reserved.ledger;
    reservedCost = request.costUsd;
  }

  let lease: Lease | undefined;
  if (request.lease) {
    const rpm = { limit: rpmLimit, bucket: requests };
    const tpm = { limit: tpmLimit, bucket: tokens };
    // A request that calls no model reserved nothing, yet its lease admits the key's model requests
    // too: it holds the budget share theirs would, from the ledger as it stands (none while a
    // rotation's ledger is awaited), or they would each wait for the object while it lasts.
    const from =
      ledger ??
      (policy.budget && !rotation.awaiting
        ? expire(current(state.ledger, policy.budget, now), now)
        : undefined);
    const leased = leaseFor(policy, state.leases, rpm, tpm, from, request.costUsd, now);
    if (leased) ({ lease, ledger } = leased);
  }
  if (ledger) saveLedger(state, ledger);
  state.requests = requests;
  state.tokens = tokens;
  lastUse.touch(now);
  return {
    ok: true,
    key: admittedKey(policy),
    rate: rateStateOf(now, rpmLimit, requests, tpmLimit, tokens, held),
    reservedTokens: tpmLimit && !request.prepaid ? request.tokens : 0,
    reservedUsd: reservedCost,
    // The policy's, not this request's: a lease granted here admits the key's model requests too.
    ...(policy.budget ? { budgeted: true } : {}),
    ...(lease ? { lease } : {}),
  };
}
