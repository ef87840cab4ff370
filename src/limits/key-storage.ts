// What a key's or team's Durable Object keeps in its storage (KeyObject), key by key, and the load
// of it all when the object starts (in its blockConcurrencyWhile).
import { type KeyPolicy, keyPolicySchema } from '../keys/policy';
import { type BudgetState, budgetStateSchema } from './budget';
import { MOVED, type Moved } from './moved';
import { ADOPTION } from './rotation-adoption';

export const POLICY = 'policy';
export const BUDGET = 'budget';
export const LAST_USED = 'lastUsedAt';
export const REVISION = 'revision';

export interface StoredKeyState {
  policy: KeyPolicy | null;
  revision: number;
  ledger: BudgetState | undefined;
  moved: Moved | null;
  /** The rotation-adoption.ts state, as stored (Adoptions.load reads it). */
  adoption: unknown;
  lastUsedAt: number | null;
}

export async function loadKeyState(storage: DurableObjectStorage): Promise<StoredKeyState> {
  const [policy, ledger, moved, lastUsed, revision, adoption] = await Promise.all([
    storage.get(POLICY),
    storage.get(BUDGET),
    storage.get<Moved>(MOVED),
    storage.get<number>(LAST_USED),
    storage.get<number>(REVISION),
    storage.get(ADOPTION),
  ]);
  return {
    policy: policy === undefined ? null : keyPolicySchema.parse(policy),
    revision: revision ?? 0,
    ledger: ledger === undefined ? undefined : budgetStateSchema.parse(ledger),
    moved: moved ?? null,
    adoption,
    lastUsedAt: lastUsed ?? null,
  };
}
