// Key rotation: a new secret for the same key id, policy and budget ledger. The old secret's
// Durable Object is told where the key went and until when the old secret still works (the grace
// period); until then it redirects admissions to the new object, so there is always exactly one
// ledger and a budget stays a hard cap across the switch. The D1 row gets the new hash and prefix,
// only while it is still the revision the rotation read (so its answer, ETag included, is that row's).
import { generateGatewayKey, keyPrefix, sha256Hex } from '../auth/gateway-key';
import { describeFailure } from '../describe-error';
import type { Env } from '../env';
import { GatewayError } from '../errors';
import { getKey, type StoredKey } from '../keys/store';
import { MAX_ROTATION_HOPS } from '../limits/moved';
import type { HandOver } from '../limits/rotation-adoption';
import { keyStub } from '../limits/stubs';

export const DEFAULT_GRACE_SECONDS = 86_400;

export interface Rotated {
  secret: string;
  stored: StoredKey;
  /** When the previous secret stops working (ms). */
  previousExpiresAt: number;
}

/**
 * Rotates the key as `stored` read it; null when another change (not a rotation) has written the
 * row since: nothing is rotated then, and the caller reads the key again (conditional-write.ts).
 */
export async function rotateKey(
  env: Env,
  stored: StoredKey,
  graceSeconds: number,
  now: number,
): Promise<Rotated | null> {
  const secret = generateGatewayKey();
  const hash = await sha256Hex(secret);
  const prefix = keyPrefix(secret);
  const until = now + graceSeconds * 1000;
  const fresh = keyStub(env, hash);
  /** Revokes the key at one object only (never forwarded along a move). */
  const endAt = (stub: ReturnType<typeof keyStub>) =>
    stub.setPolicy({ ...stored.policy, revokedAt: now }, undefined, MAX_ROTATION_HOPS);
  // Order matters: the new object can admit before anyone knows its secret; the row moves next
  // (only from the secret and revision this rotation read: of two rotations at once, one is
  // refused; a PATCH or DELETE written meanwhile sends the rotation back to read the key again);
  // only then is the old object redirected (if that fails, the row moves back). From the moment
  // it is, requests with the old secret reach the new object: until the old ledger is there (this
  // rotation's adopt, or the new object fetching it), it checks no budget without it.
  await Promise.all([
    fresh.awaitHandOver({ from: stored.hash, to: hash, until }),
    fresh.setPolicy(stored.policy, stored.updatedAt),
  ]);
  const revision = await moveKeyHash(
    env.DB,
    stored.policy.id,
    stored.hash,
    { hash, prefix },
    { now, previousUntil: until },
    stored.updatedAt,
  );
  if (revision === null) {
    // Its secret is never shown, but nothing should be left that admits (here: it was never handed to).
    await endAt(fresh);
    if (await holdsHash(env.DB, stored.policy.id, stored.hash)) return null;
    throw rotatedMeanwhile();
  }
  let handed: HandOver;
  try {
    handed = await handOver(env, stored.hash, { to: hash, until });
  } catch (error) {
    // Back to the old secret: the new one, never shown, is no previous secret of anything.
    const at = Date.now();
    const back = await moveKeyHash(env.DB, stored.policy.id, hash, stored, { now: at, previousUntil: at });
    if (back !== null) {
      // The old secret stays the key's: the row is back, the old object stops redirecting if the
      // hand-over reached it after all (its replies lost: else it would send the old secret to the
      // new object ended below, and refuse every later rotation as moved elsewhere), and it takes
      // the row as it is now (a change made meanwhile went to the new object, whose secret nobody
      // will get; nobody rotated from it either, since the row named it until now: it is ended
      // where it is). Should the old object stay unreachable, the new one is left live, for the
      // old secret may be redirected to it.
      // In one call, so it never admits under the policy it had before (a DELETE made meanwhile).
      const row = await getKey(env.DB, stored.policy.id);
      await unmove(env, stored.hash, hash, row?.hash === stored.hash ? row : undefined);
      await endAt(fresh);
      throw error;
    }
    // Another rotation has moved the key on from this one's new secret: the old secret must not
    // outlive that. One more hand-over, its ledger then going on to the key's current object (if
    // that fails too, the old secret is ended where it is); and as this rotation's new secret is
    // already another's to replace, the rotation is refused, as one that moved second is.
    try {
      await fresh.adopt(await keyStub(env, stored.hash).handOver({ to: hash, until }));
    } catch {
      await endAt(keyStub(env, stored.hash));
      throw error;
    }
    throw rotatedMeanwhile();
  }
  // A policy change that reached the old object after this rotation read the key comes along.
  await adopt(env, hash, handed);
  // Revoked meanwhile (a DELETE between this rotation's read and its hand-over): so is the new
  // secret, and the rotation is refused as for a key revoked before it.
  if (handed.policy && handed.policy.revokedAt !== null) {
    await fresh.setPolicy(handed.policy);
    throw new GatewayError(
      409,
      'invalid_request_error',
      'key_revoked',
      'This key was revoked while it was being rotated; its new secret is revoked too.',
    );
  }
  return { secret, stored: { ...stored, hash, prefix, updatedAt: revision }, previousExpiresAt: until };
}

/** The old object's hand-over, asked again (on a fresh stub) when a reply is lost: it answers the same. */
async function handOver(env: Env, from: string, moved: { to: string; until: number }) {
  try {
    return await keyStub(env, from).handOver(moved);
  } catch {
    return keyStub(env, from).handOver(moved);
  }
}

/**
 * The old object's move to `to` undone and the row's policy (`row`, when the row names the old
 * secret) put in force there, in one call (KeyObject.unmove); asked again on a fresh stub when that fails.
 */
async function unmove(env: Env, from: string, to: string, row: StoredKey | undefined) {
  const ask = () => keyStub(env, from).unmove(to, row?.policy, row?.updatedAt);
  try {
    await ask();
  } catch {
    await ask();
  }
}

/**
 * The new object's adoption, sent again (on a fresh stub) when it fails: a hand-over is adopted
 * once however often it arrives. If both fail, the new object fetches it itself when asked (it
 * awaits it, and checks no budget without it), so the rotation still succeeds: it is done (the row
 * and the old object have moved), and failing it now would never show the new secret while the old
 * one's grace period runs out.
 */
async function adopt(env: Env, to: string, handed: HandOver) {
  try {
    await keyStub(env, to).adopt(handed);
  } catch {
    await keyStub(env, to)
      .adopt(handed)
      .catch((error: unknown) =>
        console.error('rotation adopt failed; the new object fetches it', describeFailure(error)),
      );
  }
}

/**
 * Moves the row from secret `from` (and, given `basedOn`, from that revision) to `to`, with a new
 * revision (updated_at only grows, so that a policy change racing the rotation reads the row again);
 * null when the row no longer has `from` (or that revision). `from` stays on the row as its previous
 * secret until `previousUntil` (the grace period), so the request log can still name the key by it.
 */
async function moveKeyHash(
  db: D1Database,
  id: string,
  from: string,
  to: { hash: string; prefix: string },
  { now, previousUntil }: { now: number; previousUntil: number },
  basedOn: number | null = null,
): Promise<number | null> {
  const row = await db
    .prepare(
      `UPDATE keys SET key_hash = ?, key_prefix = ?, previous_key_hash = ?, previous_until = ?,
         updated_at = MAX(updated_at + 1, ?)
       WHERE id = ? AND key_hash = ? AND updated_at = COALESCE(?, updated_at) RETURNING updated_at`,
    )
    .bind(to.hash, to.prefix, from, previousUntil, now, id, from, basedOn)
    .first<{ updated_at: number }>();
  return row?.updated_at ?? null;
}

/** Whether the row still names secret `hash` (a failed move then lost to a change other than a rotation). */
async function holdsHash(db: D1Database, id: string, hash: string): Promise<boolean> {
  const row = await db
    .prepare('SELECT key_hash FROM keys WHERE id = ?')
    .bind(id)
    .first<{ key_hash: string }>();
  return row?.key_hash === hash;
}

const rotatedMeanwhile = () =>
  new GatewayError(
    409,
    'invalid_request_error',
    'concurrent_update',
    'The key was rotated by another request meanwhile; read it again to see its current secret prefix.',
  );
