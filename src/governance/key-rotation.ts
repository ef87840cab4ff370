// Key rotation: a new secret for the same key id, policy and budget ledger. The old secret's
// Durable Object is told where the key went and until when the old secret still works (the grace
// period); until then it redirects admissions to the new object, so there is always exactly one
// ledger and a budget stays a hard cap across the switch. The D1 row gets the new hash and prefix.
import { generateGatewayKey, keyPrefix, sha256Hex } from '../auth/gateway-key';
import type { Env } from '../env';
import type { StoredKey } from '../keys/store';
import { keyStub } from '../limits/admission';

export const DEFAULT_GRACE_SECONDS = 86_400;

export interface Rotated {
  secret: string;
  stored: StoredKey;
  /** When the previous secret stops working (ms). */
  previousExpiresAt: number;
}

export async function rotateKey(
  env: Env,
  stored: StoredKey,
  graceSeconds: number,
  now: number,
): Promise<Rotated> {
  const secret = generateGatewayKey();
  const hash = await sha256Hex(secret);
  const prefix = keyPrefix(secret);
  const until = now + graceSeconds * 1000;
  const fresh = keyStub(env, hash);
  // Order matters: the new object can admit before anyone knows its secret; the row moves next;
  // only then is the old object redirected (if that fails, the row moves back).
  await fresh.setPolicy(stored.policy);
  await setKeyHash(env.DB, stored.policy.id, hash, prefix, now);
  let handed: Awaited<ReturnType<ReturnType<typeof keyStub>['handOver']>>;
  try {
    handed = await keyStub(env, stored.hash).handOver({ to: hash, until });
  } catch (error) {
    await setKeyHash(env.DB, stored.policy.id, stored.hash, stored.prefix, stored.updatedAt);
    throw error;
  }
  await fresh.adopt(handed);
  // Revoked meanwhile (a DELETE between this rotation's read and its hand-over): so is the new secret.
  if (handed.policy && handed.policy.revokedAt !== null) await fresh.setPolicy(handed.policy);
  return { secret, stored: { ...stored, hash, prefix, updatedAt: now }, previousExpiresAt: until };
}

async function setKeyHash(
  db: D1Database,
  id: string,
  hash: string,
  prefix: string,
  at: number,
): Promise<void> {
  await db
    .prepare('UPDATE keys SET key_hash = ?, key_prefix = ?, updated_at = ? WHERE id = ?')
    .bind(hash, prefix, at, id)
    .run();
}
