// POST /admin/keys/:id/rotate — a new secret for the key (shown once); the old one keeps working
// for `graceSeconds` (default one day; 0 ends it at once). Mounted beside the /admin/keys routes.
import { Hono } from 'hono';
import { z } from 'zod';
import { teamScope } from '../../auth/team-scope';
import type { AppEnv } from '../../env';
import { GatewayError } from '../../errors';
import { audit } from '../../governance/audit';
import { DEFAULT_GRACE_SECONDS, rotateKey } from '../../governance/key-rotation';
import { iso } from '../../keys/admin-input';
import { readJsonBody, validateBody } from '../../openai/read-body';
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
  const stored = await mustGet(c.env, c.req.param('id'), teamScope(c));
  if (stored.policy.revokedAt !== null)
    throw new GatewayError(
      409,
      'invalid_request_error',
      'key_revoked',
      'This key is revoked and cannot be rotated.',
    );
  const rotated = await rotateKey(c.env, stored, input.graceSeconds ?? DEFAULT_GRACE_SECONDS, Date.now());
  const previousKeyExpiresAt = iso(rotated.previousExpiresAt);
  await audit(c, {
    action: 'key.rotate',
    targetType: 'key',
    targetId: stored.policy.id,
    teamId: stored.policy.teamId,
    before: { prefix: stored.prefix },
    after: { prefix: rotated.stored.prefix, previousKeyExpiresAt },
  });
  return c.json({ ...(await present(c.env, rotated.stored)), key: rotated.secret, previousKeyExpiresAt });
});
