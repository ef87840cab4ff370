// What the client sees when routing ends without an answer: the provider's own caller-fault error,
// 502 upstream_error, 504 upstream_timeout, 429 rate_limit_exceeded when every provider rate
// limited it, or 403 when per-key limits leave no target.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { clientClosed, GatewayError, retryAfterSeconds } from '../errors';
import type { UpstreamError, UpstreamFailure } from '../providers/types';

export interface Attempt {
  provider: string;
  model: string;
  /** Upstream HTTP status; 0 when there was none (network, timeout, config). */
  status: number;
  failure?: UpstreamFailure;
  /** The provider's error code when it gave one (e.g. context_length_exceeded). */
  code?: string;
  latencyMs: number;
  /** 0 for the first try on this target, 1 for the first retry… */
  retry: number;
  /** Backoff waited before this attempt. */
  delayMs?: number;
  /** Tried although its circuit was open, because every target's was. */
  lastResort?: true;
  /** Still waiting for the upstream when the client went away (which may bill the prompt). */
  cancelled?: true;
  /** The provider's Retry-After (ms), when it rate limited the request and said how long. */
  retryAfterMs?: number;
}

export interface Skipped {
  provider: string;
  model: string;
  reason: 'circuit_open' | 'context_window' | 'time_budget' | 'unsupported';
  /** Why its adapter cannot serve the request (`unsupported`), in the adapter's words. */
  detail?: string;
}

/**
 * The attempts behind a routing failure, for the request log. Keyed by the error object itself, so
 * nothing outlives the request; the wire error stays free of internals.
 */
const attemptsByError = new WeakMap<Error, readonly Attempt[]>();

export function attemptsOf(error: unknown): readonly Attempt[] | undefined {
  return error instanceof Error ? attemptsByError.get(error) : undefined;
}

function withAttempts(error: GatewayError, attempts: readonly Attempt[]): GatewayError {
  attemptsByError.set(error, [...attempts]);
  return error;
}

/**
 * The attempt a client's leaving interrupted while a provider was working on it — whose prompt the
 * provider may bill — if any.
 */
export function interruptedAttempt(error: unknown): Attempt | undefined {
  return attemptsOf(error)?.find((attempt) => attempt.cancelled);
}

/** The client went away: no more attempts. */
export function clientClosedAfter(attempts: readonly Attempt[]): GatewayError {
  return withAttempts(clientClosed(), attempts);
}

/**
 * The provider's own caller-fault answer, with its status and words, and which target gave it
 * (the last attempt: earlier ones failed over to it).
 */
export function passThrough(error: UpstreamError, attempts: readonly Attempt[]): GatewayError {
  const by = attempts.at(-1);
  return withAttempts(
    new GatewayError(
      (error.status >= 400 && error.status < 500 ? error.status : 400) as ContentfulStatusCode,
      'invalid_request_error',
      error.options.code ?? null,
      error.message,
      error.options.param ?? null,
      {
        'x-tollgate-attempts': String(attempts.length),
        ...(by ? { 'x-tollgate-provider': by.provider, 'x-tollgate-model': by.model } : {}),
      },
    ),
    attempts,
  );
}

const DESCRIBE: Record<UpstreamFailure, string> = {
  caller: 'rejected the request',
  auth: 'refused the gateway’s credentials',
  rate_limit: 'rate limited',
  overloaded: 'overloaded',
  server: 'server error',
  network: 'unreachable',
  timeout: 'timed out',
  // Not only a missing secret: Workers AI without its binding (no local mode), a model Workers AI
  // lacks, a base URL that redirects. The adapter's own words stay out of the client's error.
  config: 'not configured (a missing secret or binding, or a model or URL the provider does not have)',
};

/** A "server" failure with a 2xx status is an answer the gateway could not use (not JSON, not SSE, an error body). */
function describe({ failure = 'server', status, code }: Attempt): string {
  if (failure === 'server' && status !== undefined && status >= 200 && status < 300) {
    return 'sent an answer that could not be used';
  }
  if (failure === 'auth' && code === 'insufficient_quota') return 'its account is out of credit';
  return DESCRIBE[failure];
}

const SKIPPED: Record<Skipped['reason'], string> = {
  circuit_open: 'skipped, circuit open',
  context_window: 'skipped, context window too small',
  time_budget: 'skipped, time budget spent',
  unsupported: 'skipped, cannot serve this request',
};

function skippedText({ provider, model, reason, detail }: Skipped): string {
  return `${provider}/${model}: ${SKIPPED[reason]}${detail ? ` (${detail.replace(/\.$/, '')})` : ''}`;
}

export function allFailed(attempts: readonly Attempt[], skipped: readonly Skipped[]): GatewayError {
  const tried = attempts.map(
    (a) =>
      `${a.provider}/${a.model}${a.retry ? ` (retry ${a.retry})` : ''}: ${describe(a)}${a.status ? ` (HTTP ${a.status})` : ''}`,
  );
  const list = [...tried, ...skipped.map(skippedText)].join('; ');
  const headers = { 'x-tollgate-attempts': String(attempts.length) };
  const timedOut = attempts.length > 0 && attempts.every((a) => a.failure === 'timeout');
  if (timedOut || (attempts.length === 0 && skipped.some((s) => s.reason === 'time_budget'))) {
    return withAttempts(
      new GatewayError(
        504,
        'timeout_error',
        'upstream_timeout',
        `Every provider timed out: ${list}.`,
        null,
        headers,
      ),
      attempts,
    );
  }
  // Every provider said "too many requests" (targets skipped for an open circuit were opened by
  // the same storm; those that cannot serve the request do not count): a 429 the client can wait
  // out, not a server failure. A quota that is used up is not something waiting fixes: a 502.
  const waitable = (a: Attempt) => a.failure === 'rate_limit' && a.code !== 'insufficient_quota';
  const aside = (s: Skipped) => s.reason === 'circuit_open' || s.reason === 'unsupported';
  if (attempts.length > 0 && attempts.every(waitable) && skipped.every(aside)) {
    const waits = attempts.flatMap((a) => (a.retryAfterMs === undefined ? [] : [a.retryAfterMs]));
    const retryAfter: Record<string, string> = waits.length
      ? { 'retry-after': String(retryAfterSeconds(Math.min(...waits))) }
      : {};
    return withAttempts(
      new GatewayError(
        429,
        'rate_limit_error',
        'rate_limit_exceeded',
        `Every provider is rate limiting this request: ${list}. Please retry later.`,
        null,
        { ...headers, ...retryAfter },
      ),
      attempts,
    );
  }
  return withAttempts(
    new GatewayError(502, 'api_error', 'upstream_error', `Every provider failed: ${list}.`, null, headers),
    attempts,
  );
}

/**
 * No target of the route can serve the request (token-id inputs where every provider embeds only
 * text): the first refusal, a 400 naming its parameter, as with a single target.
 */
export function refusedByEvery(refusal: GatewayError, attempts: readonly Attempt[]): GatewayError {
  return withAttempts(refusal, attempts);
}

export function noAllowedTarget(model: string): GatewayError {
  return new GatewayError(
    403,
    'permission_error',
    'model_not_allowed',
    `No provider of model '${model}' is allowed for this key.`,
    'model',
  );
}
