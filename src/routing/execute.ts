// Runs a request against a route until a target answers: the strategy's plan, retries with
// backoff on the same target, failover to the next, circuit breakers, timeouts, a time budget.
// Caller errors pass straight through; a target that cannot serve the request (Unsupported) is
// passed over. Every attempt is recorded for headers and logs.
import type { ResolvedRoute, Runtime } from '../config/runtime';
import type { Target } from '../config/schema';
import { Unsupported, UpstreamError } from '../providers/types';
import { type AttemptContext, RequestTimedOut, runAttempt } from './attempt';
import { backoffDelay, retryableOnSameTarget, sleep } from './backoff';
import type { CircuitBreakers } from './circuit-breaker';
import type { RouteRequest } from './conditions';
import {
  type Attempt,
  allFailed,
  clientClosedAfter,
  noAllowedTarget,
  passThrough,
  refusedByEvery,
  type Skipped,
} from './failures';
import { planTargets, targetKey } from './strategies';
import { unresolvedPin } from './unresolved-pin';

export type { Attempt, AttemptContext, Skipped };

export interface Served<T> {
  result: T;
  target: Target;
  attempts: Attempt[];
  /**
   * Targets of the plan passed over (open circuit, too small a context window, no time left, a
   * request the adapter cannot serve).
   */
  skipped: Skipped[];
  /**
   * For a result whose health verdict comes later (`ExecuteOptions.verdictLater`: a stream that has
   * only begun), gives it once the result is over; a no-op otherwise, and after the first call.
   */
  verdict: (verdict: Verdict) => void;
}

/** What a result said about its provider: answered properly, failed, or nothing (client left, our own limit). */
export type Verdict = 'healthy' | 'failed' | 'none';

export interface ExecuteOptions<T = unknown> {
  /** The client's signal: when it aborts, the upstream call is aborted too. */
  signal?: AbortSignal;
  /** Streams get the first-byte timeout; JSON answers only the whole-request one. */
  streaming?: boolean;
  /** Facts that conditional routing rules test. */
  request?: RouteRequest;
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Defaults to the runtime's (per isolate, per config). */
  circuits?: CircuitBreakers;
  /**
   * True for a result that cannot yet tell whether its provider is healthy (a stream that has only
   * sent its first event: it may still break). Its circuit is left as it was, and a probe held,
   * until `Served.verdict` is called.
   */
  verdictLater?: (result: T) => boolean;
  /**
   * When (ms since the epoch) the request must be done, beside `timeouts.totalMs`: no attempt or
   * backoff runs past it (the request's budget reservation lasts only so long, limits/budget.ts).
   */
  deadline?: number;
}

const CONTEXT_LENGTH = 'context_length_exceeded';

export async function executeRoute<T>(
  runtime: Runtime,
  route: ResolvedRoute,
  call: (ctx: AttemptContext) => Promise<T>,
  options: ExecuteOptions<T> = {},
): Promise<Served<T>> {
  const random = options.random ?? Math.random;
  const plan = planTargets(route, runtime.config.models, options.request ?? {}, random).filter((t) =>
    runtime.provider(t.provider),
  );
  if (plan.length === 0) {
    const hasProvider = (name: string) => runtime.provider(name) !== undefined;
    throw (
      unresolvedPin(route, runtime.config.models, hasProvider, options.request ?? {}) ??
      noAllowedTarget(route.requested)
    );
  }
  return new RouteRun(runtime, call, options, random).execute(plan);
}

type Outcome<T> =
  | { kind: 'served'; served: Served<T> }
  | { kind: 'failed' }
  | { kind: 'context'; error: UpstreamError }
  | { kind: 'unsupported'; error: Unsupported };

class RouteRun<T> {
  private readonly attempts: Attempt[] = [];
  private readonly skipped: Skipped[] = [];
  private readonly now: () => number;
  private readonly sleep: NonNullable<ExecuteOptions['sleep']>;
  private readonly circuits: CircuitBreakers;
  private readonly deadline: number | undefined;
  /** The first refusal of a target that cannot serve the request, and the targets that refused. */
  private refusal: Unsupported | undefined;
  private readonly refused = new Set<string>();

  constructor(
    private readonly runtime: Runtime,
    private readonly call: (ctx: AttemptContext) => Promise<T>,
    private readonly options: ExecuteOptions<T>,
    private readonly random: () => number,
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
    this.circuits = options.circuits ?? runtime.circuits;
    const { totalMs } = runtime.config.timeouts;
    const configured = totalMs === undefined ? Number.POSITIVE_INFINITY : this.now() + totalMs;
    const deadline = Math.min(configured, options.deadline ?? Number.POSITIVE_INFINITY);
    this.deadline = Number.isFinite(deadline) ? deadline : undefined;
  }

  async execute(whole: readonly Target[]): Promise<Served<T>> {
    const breaker = this.runtime.config.circuitBreaker;
    // After a context-length error only targets with a larger window are worth trying.
    let tooLong: { error: UpstreamError; window: number; attemptsSoFar: number } | undefined;
    for (const target of whole) {
      if (tooLong && (target.contextWindow ?? 0) <= tooLong.window) {
        this.skip(target, 'context_window');
      } else if (this.remainingMs() <= 0) {
        this.skip(target, 'time_budget');
      } else {
        const admission = this.circuits.admit(targetKey(target), breaker, this.now());
        if (admission === false) {
          this.skip(target, 'circuit_open');
          continue;
        }
        const outcome = await this.tryTarget(target, false, admission === 'probe');
        if (outcome.kind === 'served') return outcome.served;
        if (outcome.kind === 'unsupported') this.unsupported(target, outcome.error);
        if (outcome.kind === 'context') {
          const window = target.contextWindow ?? 0;
          tooLong = { error: outcome.error, window, attemptsSoFar: this.attempts.length };
        }
      }
    }
    // The prompt too long for a target, and nothing tried since: the client is told so only when no
    // target with a larger window exists. One that failed or was skipped (an open circuit, no time
    // left) makes this an outage, not a prompt to shorten: a 502 or 504 listing them — after a last
    // try of the larger ones when open circuits were all that stopped them. Targets that cannot serve
    // the request at all are left out; when that is every one, the client is told why (a 400).
    const plan = () => whole.filter((t) => !this.refused.has(targetKey(t)));
    if (plan().length === 0 && this.refusal) throw refusedByEvery(this.refusal, this.attempts);
    if (tooLong && this.attempts.length === tooLong.attemptsSoFar) {
      const window = tooLong.window;
      const larger = () => plan().filter((t) => (t.contextWindow ?? 0) > window);
      if (larger().length === 0) throw passThrough(tooLong.error, this.attempts);
      const outcome = await this.tryLastResort(larger, tooLong.attemptsSoFar, true);
      if (outcome?.kind === 'served') return outcome.served;
      if (outcome?.kind === 'context') throw passThrough(outcome.error, this.attempts);
      // The larger ones all turned out unable to serve the request: none can take the prompt.
      if (larger().length === 0) throw passThrough(tooLong.error, this.attempts);
      throw allFailed(this.attempts, this.skipped);
    }
    const outcome = await this.tryLastResort(plan, 0, false);
    if (outcome?.kind === 'served') return outcome.served;
    if (outcome?.kind === 'context') throw passThrough(outcome.error, this.attempts);
    if (plan().length === 0 && this.refusal) throw refusedByEvery(this.refusal, this.attempts);
    throw allFailed(this.attempts, this.skipped);
  }

  /**
   * The last resort (lastResort) tried; one whose adapter cannot serve the request gives way to the
   * next of `candidates` (which leave out the targets that refused). Undefined when there is none.
   */
  private async tryLastResort(
    candidates: () => readonly Target[],
    tried: number,
    widest: boolean,
  ): Promise<Outcome<T> | undefined> {
    for (;;) {
      const target = this.lastResort(candidates(), tried, widest);
      if (!target) return undefined;
      const outcome = await this.tryTarget(target, true, false);
      if (outcome.kind !== 'unsupported') return outcome;
      this.unsupported(target, outcome.error);
    }
  }

  /**
   * When every target of `plan` was skipped for an open circuit (and `tried` attempts were all made),
   * one is still tried: the one that failed longest ago or, after a context overflow (`widest`), the
   * one with the largest window (a smaller one could only overflow too).
   */
  private lastResort(plan: readonly Target[], tried: number, widest: boolean): Target | undefined {
    const keys = new Set(plan.map(targetKey));
    const passed = this.skipped.filter((s) => keys.has(targetKey(s)));
    if (plan.length === 0 || this.attempts.length > tried || passed.length < keys.size) return undefined;
    if (passed.some((s) => s.reason !== 'circuit_open')) return undefined;
    const target = widest
      ? plan.reduce((a, b) => ((b.contextWindow ?? 0) > (a.contextWindow ?? 0) ? b : a))
      : plan.find((t) => targetKey(t) === this.circuits.leastRecentlyFailed([...keys]));
    const at = this.skipped.findIndex((s) => target !== undefined && targetKey(s) === targetKey(target));
    if (at >= 0) this.skipped.splice(at, 1);
    return target;
  }

  /**
   * The first try on a target and its retries. Throws for caller errors and client aborts.
   * `probe`: this request holds the half-open circuit's one probe, to give back if it ends
   * without a verdict (another request's probe is not this one's to free).
   */
  private async tryTarget(target: Target, lastResort: boolean, probe: boolean): Promise<Outcome<T>> {
    const key = targetKey(target);
    const noVerdict = () => {
      if (probe) this.circuits.release(key);
    };
    const adapter = this.runtime.provider(target.provider)!;
    let delayMs: number | undefined;
    for (let retry = 0; ; retry++) {
      const started = this.now();
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
      if (this.options.signal?.aborted) {
        noVerdict();
        throw clientClosedAfter(this.attempts);
      }
      const limits = this.limits();
      // Cut below requestMs by what totalMs leaves: a timeout then says nothing about the provider.
      const cutByDeadline = limits.requestMs < this.runtime.config.timeouts.requestMs;
      try {
        const result = await runAttempt(this.call, adapter, target, limits);
        this.attempts.push({ ...attempt, latencyMs: this.now() - started });
        const later = this.options.verdictLater?.(result) === true;
        // Not a circuit that opened while this answer was on its way: its failures are newer news.
        if (!later) this.circuits.success(key, probe ? undefined : started);
        const verdict = later ? this.verdictOnce(key, probe, started) : () => {};
        const served = { result, target, attempts: this.attempts, skipped: this.skipped, verdict };
        return { kind: 'served', served };
      } catch (thrown) {
        if (this.options.signal?.aborted) {
          noVerdict(); // no verdict on the provider
          this.attempts.push({ ...attempt, status: 0, latencyMs: this.now() - started, cancelled: true });
          throw clientClosedAfter(this.attempts);
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
        this.attempts.push(failedAttempt(attempt, thrown, this.now() - started));
        // Only the request timer that totalMs cut short: a first-event timeout is the provider's.
        if (thrown instanceof RequestTimedOut && cutByDeadline) {
          noVerdict(); // the request's time ran out, not the provider's
          return { kind: 'failed' };
        }
        if (thrown.failure === 'caller') {
          this.circuits.success(key); // it answered sensibly: healthy
          if (thrown.options.code === CONTEXT_LENGTH) return { kind: 'context', error: thrown };
          throw passThrough(thrown, this.attempts);
        }
        this.circuits.failure(key, this.runtime.config.circuitBreaker, this.now());
        delayMs = this.retryDelay(thrown, retry, key);
        if (delayMs === undefined) return { kind: 'failed' };
        try {
          await this.sleep(delayMs, this.options.signal);
        } catch {
          throw clientClosedAfter(this.attempts); // the backoff ends early only for that
        }
      }
    }
  }

  /**
   * Applies a later verdict on this target's health, once. A healthy one does not close a circuit
   * that opened after this attempt began (its failures are newer news than this stream's start).
   */
  private verdictOnce(key: string, probe: boolean, since: number): (verdict: Verdict) => void {
    let given = false;
    return (verdict) => {
      if (given) return;
      given = true;
      if (verdict === 'healthy') this.circuits.success(key, probe ? undefined : since);
      else if (verdict === 'failed')
        this.circuits.failure(key, this.runtime.config.circuitBreaker, this.now());
      else if (probe) this.circuits.release(key);
    };
  }

  /** The wait before retrying this target, or undefined to move on. */
  private retryDelay(error: UpstreamError, retry: number, key: string): number | undefined {
    const config = this.runtime.config;
    if (retry >= config.retry.attempts || !retryableOnSameTarget(error, config.retry)) return undefined;
    // The circuit opened on this failure (or a probe failed): stop hammering it.
    if (this.circuits.state(key, config.circuitBreaker, this.now()) !== 'closed') return undefined;
    const delay = backoffDelay(retry, config.retry, this.random, error.options.retryAfterMs);
    if (delay === undefined || delay >= this.remainingMs()) return undefined;
    return delay;
  }

  private limits() {
    const { requestMs, firstByteMs } = this.runtime.config.timeouts;
    return {
      requestMs: Math.max(1, Math.min(requestMs, this.remainingMs())),
      firstByteMs: this.options.streaming ? firstByteMs : undefined,
      clientSignal: this.options.signal,
    };
  }

  private remainingMs(): number {
    return this.deadline === undefined ? Number.POSITIVE_INFINITY : this.deadline - this.now();
  }

  private skip(target: Target, reason: Skipped['reason'], detail?: string): void {
    this.skipped.push({
      provider: target.provider,
      model: target.model,
      reason,
      ...(detail ? { detail } : {}),
    });
  }

  /** A target whose adapter cannot serve this request: passed over, its reason kept for the error. */
  private unsupported(target: Target, error: Unsupported): void {
    this.refusal ??= error;
    this.refused.add(targetKey(target));
    this.skip(target, 'unsupported', error.message);
  }
}

function failedAttempt(base: Attempt, error: UpstreamError, latencyMs: number): Attempt {
  const attempt: Attempt = { ...base, status: error.status, failure: error.failure, latencyMs };
  if (error.options.code) attempt.code = error.options.code;
  if (error.failure === 'rate_limit' && error.options.retryAfterMs !== undefined)
    attempt.retryAfterMs = error.options.retryAfterMs;
  return attempt;
}
