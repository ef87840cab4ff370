// The hot path's admission: from this isolate's lease of the key (and its team) when it holds one,
// else by the key's Durable Object and its team's, asked in parallel (through-objects.ts).

import type { CachePolicy } from '../cache/policy';
import type { Env } from '../env';
import { GatewayError } from '../errors';
import type { WorstCase } from '../pricing/route-prices';
import type { WorstToolFees } from '../pricing/tool-fees';
import type { NativeApi } from '../providers/types';
import { mergeRoutingOverrides, type RoutingOverride } from '../routing/overrides';
import type { AdmitRequest, AdmitResult } from './admit-rpc';
import { admission } from './admitted';
import type { OutputCapField } from './estimate';
import { endLeaseAt } from './give-back';
import { admitLocally } from './lease';
import { askFailed, beginAsk } from './lease-book';
import { drawFromLease, reserveAt } from './leased-reservation';
import type { RateState } from './rate-state';
import { unavailable } from './refusal';
import { keyStub } from './stubs';
import { throughObjects, topUp } from './through-objects';

type Admitted = Extract<AdmitResult, { ok: true }>;

const ROUTING_CACHE_LIMIT = 10_000;
/** The routing override (key's and team's) last admitted for a key: its first guess of the next cost. */
const routingOfKey = new Map<string, RoutingOverride | undefined>();

export interface Admission {
  key: Admitted['key'];
  /** The team's routing override merged with the key's (the key's pins win). */
  routing: RoutingOverride | undefined;
  /** The team's cache policy under the key's (each field the key sets wins). */
  cache: CachePolicy | undefined;
  /** Zero data retention (key's or team's flag; also in key.zdr): no cache, no bodies in logs. */
  zdr: boolean;
  /** Guardrail selections, applied team first, then key (src/guardrails/rules.ts selectRules). */
  guardrails: { team: readonly string[] | null; key: readonly string[] | null };
  rate: RateState;
  /**
   * When the request must be done, for a key or team with a budget (its USD reservation lasts
   * reservationTtlMs from admission: answerDeadline); undefined without a budget.
   */
  deadline: number | undefined;
  /**
   * For an admission from this isolate's lease (src/limits/lease.ts) of a key (or team) with a
   * budget, the reservation of its worst-case cost, made once the request may go upstream: drawn
   * from the lease's budget share (no wait), else made at the objects, which may refuse it (402,
   * 401, 503). Otherwise nothing to do (tokens came from the lease).
   */
  reserve(): Promise<void>;
  /**
   * Starts `reserve` ahead of need (alongside a cache read) when it will have to wait for the
   * objects; undefined when there is nothing to wait for (a lease's budget share will cover it,
   * drawn only if the request does go upstream, so a hit costs the objects nothing).
   */
  reserveAhead(): Promise<void> | undefined;
  /** Settles key and team after the response: real tokens and USD replace the reservations. */
  settle(used: { tokens: number; costUsd: number }): void;
}

/** What a route asks admission for. */
export interface RouteAdmitRequest extends AdmitRequest {
  /**
   * Its tokens are its input only, sent as this parameter (embeddings' `input`, a conversation
   * write's `items`): a request too large for the TPM limit names it.
   */
  inputParam?: string;
  /**
   * Of costUsd, what the provider's hosted (or server) tools' own fees can add, on the API the
   * client used: a budget refusal names them when they are half the worst case or more.
   */
  toolFees?: ReservedToolFees;
  /** The field that caps its output on the API the client used (max_tokens when unsaid): a refusal asks to lower it. */
  outputField?: OutputCapField;
  /**
   * What a budget refusal asks the client to change, in the route's own words, where neither less
   * input nor a lower output cap is it (images: fewer of them).
   */
  budgetAdvice?: string;
}

/** A worst case's tool fees (tool-fees.ts), with the API whose field bounds their calls. */
export interface ReservedToolFees extends WorstToolFees {
  api: NativeApi;
}

export interface AdmitOptions {
  /**
   * The caller calls `reserve()` itself when the request goes upstream, so that a leased admission
   * answered from cache makes no round trip at all. Otherwise `admit` reserves before returning.
   */
  reserveLater?: boolean;
  /**
   * The request's worst case on the route as a routing override leaves it (pins can send an alias
   * to dearer targets): the cost reserved is the most of `request.costUsd` and this, for the
   * override the key and its team turn out to have.
   */
  costFor?: (routing: RoutingOverride | undefined) => WorstCase;
}

export async function admit(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  keyHash: string,
  asked: RouteAdmitRequest,
  options: AdmitOptions = {},
): Promise<Admission> {
  const now = Date.now();
  const { costFor } = options;
  // The reservations below read `request.costUsd` when they are made: raised once the override is known.
  const request = { ...asked };
  /** The dearer worst case is reserved, and a refusal names its tools' fees, so its figures add up. */
  const raise = (worst: WorstCase) => {
    if (!(worst.costUsd > request.costUsd)) return;
    request.costUsd = worst.costUsd;
    if (request.toolFees) request.toolFees = { ...request.toolFees, usd: worst.toolFeesUsd };
  };
  const costWith = (routing: RoutingOverride | undefined) => {
    if (!costFor) return;
    if (routingOfKey.size >= ROUTING_CACHE_LIMIT) routingOfKey.clear();
    routingOfKey.set(keyHash, routing);
    raise(costFor(routing));
  };
  if (costFor) raise(costFor(routingOfKey.get(keyHash)));
  let local = admitLocally(keyHash, request.model, request.tokens, now);
  if (!local) {
    const ask = beginAsk(keyHash, now);
    try {
      const reserved = request.costUsd;
      let admitted = await throughObjects(env, ctx, keyHash, request, ask, now);
      costWith(mergeRoutingOverrides(admitted.team?.key.routing, admitted.key.key.routing));
      if (request.costUsd > reserved)
        admitted = await topUp(env, ctx, admitted, request, request.costUsd - reserved);
      return admission(env, ctx, request, now, admitted, undefined, undefined);
    } catch (error) {
      if (!ask) throw unavailable(error);
      askFailed(keyHash, Date.now());
      if (error instanceof GatewayError && error.status !== 429) {
        // Refused: revoked, expired, over budget, team gone… — what this isolate holds of the key
        // ends too.
        endLeaseAt(env, ctx, keyHash, request.defaults);
        throw error;
      }
      // The objects could not answer, or refused a renewal for the rate: a lease asked for before
      // it ran out still serves this request — its slots are this isolate's to use — (and, for a
      // moment, the next ones: askFailed holds the next ask back). What it reserves there goes by
      // an id of its own: a release of what one object admitted above (sent again when an answer
      // was lost, so perhaps after this reservation is made) ends that admission only, never this.
      request.reservationId = leasedReservationId(asked.reservationId);
      local = admitLocally(keyHash, request.model, request.tokens, Date.now());
      if (!local) throw error instanceof GatewayError ? error : unavailable(error);
    }
  }
  const { key, team } = local;
  costWith(mergeRoutingOverrides(team?.key.routing, key.key.routing));
  const parts = { keyObject: keyStub(env, keyHash), key, teamId: key.key.teamId, team };
  const reserve = local.reserves
    ? () =>
        drawFromLease(env, ctx, parts, request, local, () =>
          endLeaseAt(env, ctx, keyHash, request.defaults),
        ) ?? reserveAt(env, ctx, keyHash, parts, request, local)
    : undefined;
  const leased = admission(
    env,
    ctx,
    request,
    now,
    parts,
    reserve,
    local.refund,
    () => !(request.costUsd > 0) || local.canDraw(request.costUsd, Date.now()),
  );
  if (!options.reserveLater) await leased.reserve();
  return leased;
}

/** The reservation id of a request served from a lease after its objects failed to admit it. */
function leasedReservationId(reservationId: string): string {
  return `${reservationId}:leased`;
}
