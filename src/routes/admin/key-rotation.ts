// POST /admin/keys/:id/rotate — a new secret for the key (shown once); the old one keeps working
// for `graceSeconds` (default one day; 0 ends it at once). Mounted beside the /admin/keys routes.
// A change to the key like PATCH and DELETE: `If-Match` makes it conditional, the answer has the ETag.
import { Hono } from 'hono';
import * as z from 'zod';
import { teamScope } from '../../auth/team-scope';
import { describeFailure } from '../../describe-error';
import type { AppEnv } from '../../env';
import { GatewayError, unavailableNow } from '../../errors';
import { audit } from '../../governance/audit';
import { DEFAULT_GRACE_SECONDS, type Rotated, rotateKey } from '../../governance/key-rotation';
import { iso } from '../../keys/admin-input';
import { readJsonBody, validateBody } from '../../openai/read-body';
import { etagOf, writeConditionally } from './conditional-write';
import { mustGet, present } from './keys';

const rotateBody = z.strictObject({
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional(),
});

export const keyRotation = new Hono<AppEnv>().post('/:id/rotate', async (c) => {
  // Every field is optional: no body at all (`curl -X POST`) means the defaults.
  const raw = await readJsonBody(c.req.raw, 16 * 1024, {});
  const input = validateBody(rotateBody, raw);
  const id = c.req.param('id');
  const graceSeconds = input.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  // The rotation moves the row only from the revision it read (key-rotation.ts), so a PATCH or
  // DELETE written meanwhile makes it read again: the If-Match check then holds at the write.
  const done: { rotated?: Rotated } = {};
  const { stored } = await writeConditionally(
    c,
    'key',
    () => mustGet(c.env, id, teamScope(c)),
    (read) => {
      if (read.policy.revokedAt !== null)
        throw new GatewayError(
          409,
          'invalid_request_error',
          'key_revoked',
          'This key is revoked and cannot be rotated.',
        );
      return read.policy; // the policy stays; only the secret (and the revision) changes
    },
    async (read, _policy, now) => {
      done.rotated = (await rotateKey(c.env, read, graceSeconds, now).catch(notRotated)) ?? undefined;
      return done.rotated !== undefined;
    },
  );
  const rotated = done.rotated as Rotated; // writeConditionally returns only once a rotation is written
  const previousKeyExpiresAt = iso(rotated.previousExpiresAt);
  await audit(c, {
    action: 'key.rotate',
    targetType: 'key',
    targetId: stored.policy.id,
    teamId: stored.policy.teamId,
    before: { prefix: stored.prefix },
    after: { prefix: rotated.stored.prefix, previousKeyExpiresAt },
  });
  c.header('ETag', etagOf(rotated.stored));
  return c.json({ ...(await present(c.env, rotated.stored)), key: rotated.secret, previousKeyExpiresAt });
});

/**
 * A rotation that failed on a Durable Object that did not answer (its hand-over, after the tries
 * key-rotation.ts makes and the rollback they lead to): a 503 to retry, not a 500 — the key keeps
 * the secret its row names, which GET /admin/keys/:id shows by its prefix.
 */
function notRotated(error: unknown): never {
  if (error instanceof GatewayError) throw error;
  console.error('key rotation failed', describeFailure(error));
  throw unavailableNow(
    'limits_unavailable',
    'The key was not rotated: a Durable Object holding its limits did not answer. Its current secret is the one GET /admin/keys/{id} shows by prefix; please retry shortly.',
  );
}
