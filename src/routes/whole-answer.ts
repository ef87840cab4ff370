// What the routes answered whole in one JSON body, with no cache and no stream — embeddings and
// images — share around their own body, estimate and price: the admission (RPM, TPM by the input,
// the budget's worst case on the key's pinned targets too), the route run with failover, and the
// headers that name who served.
import type { Context } from 'hono';
import type { ResolvedRoute, Runtime } from '../config/runtime';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import type { Admission } from '../limits/admission';
import type { WorstCase } from '../pricing/route-prices';
import type { AttemptContext } from '../routing/attempt';
import { parseMetadataHeader } from '../routing/conditions';
import { executeRoute } from '../routing/execute';
import { applyRoutingOverride, type RoutingOverride } from '../routing/overrides';
import type { Served } from '../routing/route-run';
import { admitRoute } from './route-admit';

interface Asked {
  model: string;
  /** The input's estimated tokens: all a request answered whole counts against TPM. */
  tokens: number;
  /** The input's parameter, which a refusal of too large an input names. */
  inputParam: string;
  costUsd: number;
  costFor: (routing: RoutingOverride | undefined) => WorstCase;
  /** What a budget refusal asks for instead of less input (RouteAdmitRequest.budgetAdvice). */
  budgetAdvice?: string;
}

/** Admits the request as its key's log row names it. */
export async function admitWhole(
  c: Context<AppEnv>,
  limits: GatewayConfig['limits'],
  { costFor, ...asked }: Asked,
): Promise<Admission> {
  const admitted = await admitRoute(c, limits, asked, { costFor });
  c.get('log').admitted(admitted.key);
  return admitted;
}

/** The route run for the admitted request (its pins applied), within its budget's deadline. */
export function runWhole<T>(
  c: Context<AppEnv>,
  runtime: Runtime,
  route: ResolvedRoute,
  admitted: Admission,
  tokens: number,
  call: (ctx: AttemptContext) => Promise<T>,
): Promise<Served<T>> {
  return executeRoute(runtime, applyRoutingOverride(route, admitted.routing), call, {
    signal: c.req.raw.signal,
    // A budget's reservation lasts reservationTtlMs: every attempt ends before it.
    ...(admitted.deadline !== undefined ? { deadline: admitted.deadline } : {}),
    request: {
      inputTokens: tokens,
      metadata: parseMetadataHeader(c.req.header('x-tollgate-metadata')),
      team: admitted.key.teamId,
    },
  });
}

/** Names who served in the answer's headers and the log row. */
export function servedBy(c: Context<AppEnv>, headers: Headers, served: Served<unknown>): void {
  headers.set('x-tollgate-provider', served.target.provider);
  headers.set('x-tollgate-model', served.target.model);
  headers.set('x-tollgate-attempts', String(served.attempts.length));
  headers.set('content-type', 'application/json');
  c.get('log').served(served.target, served.attempts);
}
