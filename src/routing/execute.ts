// Runs a request against a route's targets in order until one answers: per-attempt timeouts,
// failover on provider-side failures, caller errors passed straight through. Records every attempt.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ResolvedRoute, Runtime } from '../config/runtime';
import type { Target } from '../config/schema';
import { GatewayError } from '../errors';
import { type ProviderAdapter, UpstreamError, type UpstreamFailure } from '../providers/types';
import { orderTargets } from './order';

export interface Attempt {
  provider: string;
  model: string;
  /** Upstream HTTP status; 0 when there was none (network, timeout, config). */
  status: number;
  failure?: UpstreamFailure;
  latencyMs: number;
}

export interface Served<T> {
  result: T;
  target: Target;
  attempts: Attempt[];
}

export interface AttemptContext {
  adapter: ProviderAdapter;
  target: Target;
  signal: AbortSignal;
  /** Call once the answer has started arriving (stream first byte), to stop the first-byte timer. */
  firstByte(): void;
}

export interface ExecuteOptions {
  /** The client's signal: when it aborts, the upstream call is aborted too. */
  signal?: AbortSignal;
  /** Streams get the first-byte timeout; JSON answers only the whole-request one. */
  streaming?: boolean;
  random?: () => number;
  now?: () => number;
}

class AttemptTimeout extends Error {}

export async function executeRoute<T>(
  runtime: Runtime,
  route: ResolvedRoute,
  attempt: (ctx: AttemptContext) => Promise<T>,
  options: ExecuteOptions = {},
): Promise<Served<T>> {
  const now = options.now ?? Date.now;
  const { requestMs, firstByteMs } = runtime.config.timeouts;
  const attempts: Attempt[] = [];

  for (const target of orderTargets(route.strategy, route.targets, options.random ?? Math.random)) {
    const adapter = runtime.provider(target.provider);
    if (!adapter) continue; // unreachable: config validation rejects unknown providers
    const started = now();
    const controller = new AbortController();
    const onClientAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onClientAbort, { once: true });
    let firstByteTimer: ReturnType<typeof setTimeout> | undefined = options.streaming
      ? setTimeout(() => controller.abort(new AttemptTimeout('first byte')), Math.min(firstByteMs, requestMs))
      : undefined;
    const requestTimer = setTimeout(() => controller.abort(new AttemptTimeout('request')), requestMs);
    const firstByte = () => {
      if (firstByteTimer !== undefined) clearTimeout(firstByteTimer);
      firstByteTimer = undefined;
    };
    try {
      const result = await attempt({ adapter, target, signal: controller.signal, firstByte });
      attempts.push({
        provider: target.provider,
        model: target.model,
        status: 200,
        latencyMs: now() - started,
      });
      return { result, target, attempts };
    } catch (thrown) {
      // The client went away, or an adapter refused the request itself (a 400 naming a parameter
      // the provider cannot honour): neither is a provider failure to fail over from.
      if (options.signal?.aborted || thrown instanceof GatewayError) throw thrown;
      const error = asUpstreamError(thrown, controller.signal);
      attempts.push({
        provider: target.provider,
        model: target.model,
        status: error.status,
        failure: error.failure,
        latencyMs: now() - started,
      });
      if (error.failure === 'caller') throw passThrough(error, attempts);
    } finally {
      firstByte();
      clearTimeout(requestTimer);
      options.signal?.removeEventListener('abort', onClientAbort);
    }
  }
  throw allFailed(attempts);
}

function asUpstreamError(thrown: unknown, signal: AbortSignal): UpstreamError {
  if (thrown instanceof UpstreamError) return thrown;
  if (signal.aborted && signal.reason instanceof AttemptTimeout) {
    return new UpstreamError('timeout', 0, `timed out waiting for the ${signal.reason.message}`);
  }
  return new UpstreamError('network', 0, thrown instanceof Error ? thrown.message : String(thrown));
}

/** The provider's own caller-fault answer, with its status and words. */
function passThrough(error: UpstreamError, attempts: Attempt[]): GatewayError {
  return new GatewayError(
    (error.status >= 400 && error.status < 500 ? error.status : 400) as ContentfulStatusCode,
    'invalid_request_error',
    error.options.code ?? null,
    error.message,
    error.options.param ?? null,
    { 'x-tollgate-attempts': String(attempts.length) },
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
  config: 'not configured (missing secret)',
};

function allFailed(attempts: Attempt[]): GatewayError {
  const list = attempts
    .map(
      (a) =>
        `${a.provider}/${a.model}: ${DESCRIBE[a.failure ?? 'server']}${a.status ? ` (HTTP ${a.status})` : ''}`,
    )
    .join('; ');
  const headers = { 'x-tollgate-attempts': String(attempts.length) };
  if (attempts.length > 0 && attempts.every((a) => a.failure === 'timeout')) {
    return new GatewayError(
      504,
      'timeout_error',
      'upstream_timeout',
      `Every provider timed out: ${list}.`,
      null,
      headers,
    );
  }
  return new GatewayError(
    502,
    'api_error',
    'upstream_error',
    `Every provider failed: ${list}.`,
    null,
    headers,
  );
}
