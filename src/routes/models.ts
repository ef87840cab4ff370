// GET /v1/models — the models this key may use, in OpenAI's list shape; GET /v1/models/{id} — one of them.
import { type Context, Hono } from 'hono';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { GatewayError } from '../errors';
import { modelAllowed } from '../keys/policy';
import { usableKey } from '../limits/usable-key';
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
  const [runtime, { policy, team }] = await Promise.all([getRuntime(c.env, c.executionCtx), usableKey(c)]);
  // A key in a team may use only what its team allows too.
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

function ownerOf(runtime: Runtime, id: string): string {
  const route = runtime.resolve(id);
  return route?.targets[0]?.provider ?? 'tollgate';
}
