// What a key's (or team's) object holds besides its rotation — policy, RPM/TPM buckets, budget
// ledger and the leases drawn on them — and the writes that change it, which KeyObject delegates
// to: the ledger saved, lease shares settled, an admin write's policy set.
import { type KeyPolicy, keyPolicySchema } from '../keys/policy';
import { type BudgetState, nextExpiry } from './budget';
import { BUDGET, POLICY, REVISION } from './key-storage';
import { leasesBack } from './lease-grant';
import { LeaseLedger, type Returned } from './lease-ledger';
import { policyApplied } from './policy-change';
import { LedgerWaits } from './settle-wait';
import type { Bucket, BucketLimit } from './token-bucket';

export interface KeyState {
  readonly storage: DurableObjectStorage;
  policy: KeyPolicy | null;
  /** The admin write the policy came from (its row's updated_at); 0 for none known. */
  revision: number;
  ledger: BudgetState | undefined;
  requests?: Bucket;
  tokens?: Bucket;
  /** Bucket shares held by isolates' leases; in memory like the buckets themselves. */
  readonly leases: LeaseLedger;
  /** Admissions waiting for settles near the end of a budget (settle-wait.ts). */
  readonly ledgerWaits: LedgerWaits;
}

/** An object's state before its storage is loaded: no policy, no ledger, full buckets. */
export function emptyKeyState(storage: DurableObjectStorage): KeyState {
  return {
    storage,
    policy: null,
    revision: 0,
    ledger: undefined,
    leases: new LeaseLedger(),
    ledgerWaits: new LedgerWaits(),
  };
}

/** Persists the ledger (output-gated: no reply leaves before the write is durable) and arms the expiry alarm. */
export function saveLedger(state: KeyState, ledger: BudgetState): void {
  state.ledger = ledger;
  state.ledgerWaits.changed();
  void state.storage.put(BUDGET, ledger);
  const next = nextExpiry(ledger);
  if (next !== undefined) void state.storage.setAlarm(next);
}

/** Shares given back or expired (lease-grant.ts `leasesBack`). */
export function settleLeases(
  state: KeyState,
  returned: readonly Returned[] | undefined,
  rpm: BucketLimit | undefined,
  tpm: BucketLimit | undefined,
  now: number,
): void {
  const held = { requests: state.requests, tokens: state.tokens, ledger: state.ledger };
  const { requests, tokens, ledger } = leasesBack(state.leases, returned, rpm, tpm, held, now);
  state.requests = requests;
  state.tokens = tokens;
  if (ledger !== state.ledger && ledger) saveLedger(state, ledger);
}

/**
 * Sets the policy an admin write stored, here only: KeyObject.setPolicy, which also forwards it
 * after a rotation, says how `revision` orders concurrent writes and why a revocation is final.
 */
export async function setPolicyHere(
  state: KeyState,
  policy: KeyPolicy,
  revision: number | undefined,
): Promise<'set' | 'older' | 'revoked'> {
  if (revision !== undefined) {
    const revoking = policy.revokedAt !== null;
    if (state.policy?.revokedAt != null && !revoking) return 'revoked';
    if (!revoking && revision < state.revision) return 'older';
    if (revision > state.revision) {
      state.revision = revision;
      await state.storage.put(REVISION, revision);
    }
  }
  applyPolicy(state, policy);
  state.ledgerWaits.changed(); // a raised (or removed) budget may let a waiting admission in
  await state.storage.put(POLICY, state.policy);
  return 'set';
}

function applyPolicy(state: KeyState, policy: KeyPolicy): void {
  const previous = state.policy;
  state.policy = keyPolicySchema.parse(policy);
  // A changed limit resizes its bucket, and a budget's new window recomputes its spend (policy-change.ts).
  const held = { requests: state.requests, tokens: state.tokens, ledger: state.ledger };
  const { requests, tokens, ledger } = policyApplied(previous, state.policy, held, state.leases, Date.now());
  state.requests = requests;
  state.tokens = tokens;
  if (ledger) saveLedger(state, ledger);
}
