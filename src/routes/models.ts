// GET /v1/models — the models this key may use, in OpenAI's list shape.
import { Hono } from 'hono';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { invalidApiKey } from '../errors';
import { modelAllowed } from '../keys/policy';
import { keyStub, unavailable } from '../limits/admission';

// Stable across calls (OpenAI's schema requires `created`); the gateway has no per-model dates.
const CREATED = 1_700_000_000;

export const models = new Hono<AppEnv>().get('/', async (c) => {
  const [runtime, policy] = await Promise.all([
    getRuntime(c.env, c.executionCtx),
    keyStub(c.env, c.get('keyHash'))
      .getPolicy()
      .catch((error: unknown) => {
        throw unavailable(error);
      }),
  ]);
  const now = Date.now();
  if (!policy || (policy.revokedAt !== null && policy.revokedAt <= now))
    throw invalidApiKey('Incorrect API key provided.');
  if (policy.expiresAt !== null && policy.expiresAt <= now) throw invalidApiKey('This API key has expired.');
  // The row names the key from the policy in hand: without this the log looks the key up in D1
  // for every listing (as for a request refused before admission), one query a request. Its `zdr`
  // is the key's own (the team's is not read here); a listing has no bodies to keep or drop.
  c.get('log').admitted({
    id: policy.id,
    teamId: policy.teamId,
    logBodies: false,
    zdr: policy.zdr === true,
  });
  const data = runtime
    .modelIds()
    .filter((id) => modelAllowed(policy.models, id))
    .map((id) => ({ id, object: 'model' as const, created: CREATED, owned_by: ownerOf(runtime, id) }));
  return c.json({ object: 'list', data });
});

function ownerOf(runtime: Awaited<ReturnType<typeof getRuntime>>, id: string): string {
  const route = runtime.resolve(id);
  return route?.targets[0]?.provider ?? 'tollgate';
}
