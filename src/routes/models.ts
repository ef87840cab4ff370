// GET /v1/models — the models this key may use, in OpenAI's list shape; GET /v1/models/{id} — one of them.
import { type Context, Hono } from 'hono';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { GatewayError } from '../errors';
import { modelAllowed } from '../keys/policy';
import { assertUsable, unavailable } from '../limits/refusal';
import { keyStub, teamStub } from '../limits/stubs';
import { applyRoutingOverride, mergeRoutingOverrides } from '../routing/overrides';
import { anyTargetReachable } from '../routing/strategies';

// Stable across calls (OpenAI's schema requires `created`); the gateway has no per-model dates.
const CREATED = 1_700_000_000;

export const models = new Hono<AppEnv>()
  .get('/', async (c) => {
    const { runtime, allows } = await usable(c);
    const data = runtime
      .modelIds()
      .filter(allows)
      .map((id) => model(runtime, id));
    return c.json({ object: 'list', data });
  })
  // The SDKs' models.retrieve; ids such as `mock/mock-1` hold a slash (sent as is or as %2F). Any
  // id a chat request could name: an alias, or `<provider>/<model>` of a configured provider, listed or not.
  .get('/:id{.+}', async (c) => {
    const id = c.req.param('id');
    c.get('log').requested(id, null);
    const { runtime, allows } = await usable(c);
    if (!runtime.resolve(id) || !allows(id)) throw modelNotListed(id);
    return c.json(model(runtime, id));
  });

/**
 * The runtime, and which model ids the request's key may use; refuses as an admission would. Also
 * POST /v1/messages/count_tokens's check (routes/messages.ts).
 */
export async function usable(c: Context<AppEnv>) {
  const [runtime, read] = await Promise.all([
    getRuntime(c.env, c.executionCtx),
    policyAt(keyStub(c.env, c.get('keyHash'))),
  ]);
  const now = Date.now();
  const policy = assertUsable(read, 'key', now);
  // A key in a team may use only what its team allows too, and nothing once the team is disabled.
  const teamRead = policy.teamId === null ? null : await policyAt(teamStub(c.env, policy.teamId));
  const team = teamRead?.ok ? teamRead.policy : null;
  // The row names the key from the policy in hand: without this the log looks the key up in D1
  // for every listing (as for a request refused before admission), one query a request.
  c.get('log').admitted({
    id: policy.id,
    teamId: policy.teamId,
    logBodies: false,
    zdr: policy.zdr === true || team?.zdr === true,
  });
  if (teamRead) assertUsable(teamRead, 'team', now);
  // Its routing's provider limits too: a model none of whose targets may serve this key is refused
  // when asked for, so it is not listed either.
  const routing = mergeRoutingOverrides(team?.routing, policy.routing);
  const servable = (id: string) => {
    if (!routing) return true;
    const route = runtime.resolve(id);
    return (
      !!route &&
      anyTargetReachable(
        applyRoutingOverride(route, routing),
        runtime.config.models,
        (name) => !!runtime.provider(name),
        policy.teamId,
      )
    );
  };
  const allows = (id: string) =>
    modelAllowed(policy.models, id) && (!team || modelAllowed(team.models, id)) && servable(id);
  return { runtime, allows };
}

type Runtime = Awaited<ReturnType<typeof getRuntime>>;

const model = (runtime: Runtime, id: string) => ({
  id,
  object: 'model' as const,
  created: CREATED,
  owned_by: ownerOf(runtime, id),
});

export const modelNotListed = (id: string) =>
  new GatewayError(
    404,
    'invalid_request_error',
    'model_not_found',
    `The model '${id}' does not exist or this key may not use it: GET /v1/models lists those it may.`,
    'model',
  );

/** A key's or team's policy from its object (which follows a rotation); a 503 when it cannot answer. */
function policyAt(stub: ReturnType<typeof keyStub>) {
  return stub.readPolicy().catch((error: unknown) => {
    throw unavailable(error);
  });
}

function ownerOf(runtime: Runtime, id: string): string {
  const route = runtime.resolve(id);
  return route?.targets[0]?.provider ?? 'tollgate';
}
