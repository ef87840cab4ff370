// One request's run through a route: what it was given (options, clock, circuits, deadline) and
// what it has gathered so far (attempts, targets passed over, refusals), shared by the plan walk
// (execute.ts), a target's attempts (target-attempts.ts) and the last resort (last-resort.ts).
import type { Runtime } from '../config/runtime';
import type { Target } from '../config/schema';
import type { Unsupported, UpstreamError } from '../providers/types';
import type { AttemptContext } from './attempt';
import { sleep } from './backoff';
import type { CircuitBreakers } from './circuit-breaker';
import type { RouteRequest } from './conditions';
import type { Attempt, Skipped } from './failures';
import { targetKey } from './strategies';

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

/** How trying one target ended, when it did not throw. */
export type Outcome<T> =
  | { kind: 'served'; served: Served<T> }
  | { kind: 'failed' }
  | { kind: 'context'; error: UpstreamError }
  | { kind: 'unsupported'; error: Unsupported };

export class RouteRun<T> {
  readonly attempts: Attempt[] = [];
  readonly skipped: Skipped[] = [];
  readonly now: () => number;
  readonly sleep: NonNullable<ExecuteOptions['sleep']>;
  readonly circuits: CircuitBreakers;
  private readonly deadline: number | undefined;
  /** The first refusal of a target that cannot serve the request, and the targets that refused. */
  refusal: Unsupported | undefined;
  readonly refused = new Set<string>();

  constructor(
    readonly runtime: Runtime,
    readonly call: (ctx: AttemptContext) => Promise<T>,
    readonly options: ExecuteOptions<T>,
    readonly random: () => number,
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
    this.circuits = options.circuits ?? runtime.circuits;
    const { totalMs } = runtime.config.timeouts;
    const configured = totalMs === undefined ? Number.POSITIVE_INFINITY : this.now() + totalMs;
    const deadline = Math.min(configured, options.deadline ?? Number.POSITIVE_INFINITY);
    this.deadline = Number.isFinite(deadline) ? deadline : undefined;
  }

  limits() {
    const { requestMs, firstByteMs } = this.runtime.config.timeouts;
    return {
      requestMs: Math.max(1, Math.min(requestMs, this.remainingMs())),
      firstByteMs: this.options.streaming ? firstByteMs : undefined,
      clientSignal: this.options.signal,
    };
  }

  remainingMs(): number {
    return this.deadline === undefined ? Number.POSITIVE_INFINITY : this.deadline - this.now();
  }

  skip(target: Target, reason: Skipped['reason'], detail?: string): void {
    this.skipped.push({
      provider: target.provider,
      model: target.model,
      reason,
      ...(detail ? { detail } : {}),
    });
  }

  /** A target whose adapter cannot serve this request: passed over, its reason kept for the error. */
  unsupported(target: Target, error: Unsupported): void {
    this.refusal ??= error;
    this.refused.add(targetKey(target));
    this.skip(target, 'unsupported', error.message);
  }
}
