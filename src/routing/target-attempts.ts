// One target's attempts: the first try and its retries with backoff, each recorded, and what
// each says about the target's circuit (now, or later for a stream that has only begun).
import type { Target } from '../config/schema';
import { Unsupported, UpstreamError } from '../providers/types';
import { RequestTimedOut, runAttempt } from './attempt';
import { backoffDelay, retryableOnSameTarget } from './backoff';
import { type Attempt, clientClosedAfter, passThrough } from './failures';
import type { Outcome, RouteRun, Verdict } from './route-run';
import { targetKey } from './strategies';

const CONTEXT_LENGTH = 'context_length_exceeded';

/**
 * The first try on a target and its retries. Throws for caller errors and client aborts.
 * `probe`: this request holds the half-open circuit's one probe, to give back if it ends
 * without a verdict (another request's probe is not this one's to free).
 */
export async function tryTarget<T>(
  run: RouteRun<T>,
  target: Target,
  lastResort: boolean,
  probe: boolean,
): Promise<Outcome<T>> {
  const key = targetKey(target);
  const noVerdict = () => {
    if (probe) run.circuits.release(key);
  };
  const adapter = run.runtime.provider(target.provider)!;
  let delayMs: number | undefined;
  for (let retry = 0; ; retry++) {
    const started = run.now();
    const attempt: Attempt = {
      provider: target.provider,
      model: target.model,
      status: 200,
      latencyMs: 0,
      retry,
    };
    if (delayMs !== undefined) attempt.delayMs = delayMs;
    if (lastResort) attempt.lastResort = true;
    // Gone already (during the cache lookup, a backoff, the previous attempt): nobody to answer.
    if (run.options.signal?.aborted) {
      noVerdict();
      throw clientClosedAfter(run.attempts);
    }
    const limits = run.limits();
    // Cut below requestMs by what totalMs leaves: a timeout then says nothing about the provider.
    const cutByDeadline = limits.requestMs < run.runtime.config.timeouts.requestMs;
    try {
      const result = await runAttempt(run.call, adapter, target, limits);
      run.attempts.push({ ...attempt, latencyMs: run.now() - started });
      const later = run.options.verdictLater?.(result) === true;
      // Not a circuit that opened while this answer was on its way: its failures are newer news.
      if (!later) run.circuits.success(key, probe ? undefined : started);
      const verdict = later ? verdictOnce(run, key, probe, started) : () => {};
      const served = { result, target, attempts: run.attempts, skipped: run.skipped, verdict };
      return { kind: 'served', served };
    } catch (thrown) {
      if (run.options.signal?.aborted) {
        noVerdict(); // no verdict on the provider
        run.attempts.push({ ...attempt, status: 0, latencyMs: run.now() - started, cancelled: true });
        throw clientClosedAfter(run.attempts);
      }
      // Refused before any call (token-id inputs on a text-only provider): no verdict on its health.
      if (thrown instanceof Unsupported) {
        noVerdict();
        return { kind: 'unsupported', error: thrown };
      }
      if (!(thrown instanceof UpstreamError)) {
        noVerdict();
        throw thrown;
      }
      run.attempts.push(failedAttempt(attempt, thrown, run.now() - started));
      // Only the request timer that totalMs cut short: a first-event timeout is the provider's.
      if (thrown instanceof RequestTimedOut && cutByDeadline) {
        noVerdict(); // the request's time ran out, not the provider's
        return { kind: 'failed' };
      }
      if (thrown.failure === 'caller') {
        run.circuits.success(key); // it answered sensibly: healthy
        if (thrown.options.code === CONTEXT_LENGTH) return { kind: 'context', error: thrown };
        throw passThrough(thrown, run.attempts);
      }
      run.circuits.failure(key, run.runtime.config.circuitBreaker, run.now());
      delayMs = retryDelay(run, thrown, retry, key);
      if (delayMs === undefined) return { kind: 'failed' };
      try {
        await run.sleep(delayMs, run.options.signal);
      } catch {
        throw clientClosedAfter(run.attempts); // the backoff ends early only for that
      }
    }
  }
}

/**
 * Applies a later verdict on this target's health, once. A healthy one does not close a circuit
 * that opened after this attempt began (its failures are newer news than this stream's start).
 */
function verdictOnce<T>(
  run: RouteRun<T>,
  key: string,
  probe: boolean,
  since: number,
): (verdict: Verdict) => void {
  let given = false;
  return (verdict) => {
    if (given) return;
    given = true;
    if (verdict === 'healthy') run.circuits.success(key, probe ? undefined : since);
    else if (verdict === 'failed') run.circuits.failure(key, run.runtime.config.circuitBreaker, run.now());
    else if (probe) run.circuits.release(key);
  };
}

/** The wait before retrying this target, or undefined to move on. */
function retryDelay<T>(
  run: RouteRun<T>,
  error: UpstreamError,
  retry: number,
  key: string,
): number | undefined {
  const config = run.runtime.config;
  if (retry >= config.retry.attempts || !retryableOnSameTarget(error, config.retry)) return undefined;
  // The circuit opened on this failure (or a probe failed): stop hammering it.
  if (run.circuits.state(key, config.circuitBreaker, run.now()) !== 'closed') return undefined;
  const delay = backoffDelay(retry, config.retry, run.random, error.options.retryAfterMs);
  if (delay === undefined || delay >= run.remainingMs()) return undefined;
  return delay;
}

function failedAttempt(base: Attempt, error: UpstreamError, latencyMs: number): Attempt {
  const attempt: Attempt = { ...base, status: error.status, failure: error.failure, latencyMs };
  if (error.options.code) attempt.code = error.options.code;
  if (error.failure === 'rate_limit' && error.options.retryAfterMs !== undefined)
    attempt.retryAfterMs = error.options.retryAfterMs;
  return attempt;
}
