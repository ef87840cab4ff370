// Runs a request against a route until a target answers: the strategy's plan, retries with
// backoff on the same target, failover to the next, circuit breakers, timeouts, a time budget.
// Caller errors pass straight through; a target that cannot serve the request (Unsupported) is
// passed over. Every attempt is recorded for headers and logs.
import type { ResolvedRoute, Runtime } from '../config/runtime';
import type { Target } from '../config/schema';
import type { UpstreamError } from '../providers/types';
import type { AttemptContext } from './attempt';
import {
  type Attempt,
  allFailed,
  noAllowedTarget,
  passThrough,
  refusedByEvery,
  type Skipped,
} from './failures';
import { tryLastResort } from './last-resort';
import { type ExecuteOptions, RouteRun, type Served, type Verdict } from './route-run';
import { planTargets, targetKey } from './strategies';
import { tryTarget } from './target-attempts';
import { unresolvedPin } from './unresolved-pin';

export type { Attempt, AttemptContext, ExecuteOptions, Served, Skipped, Verdict };

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
  return walkPlan(new RouteRun(runtime, call, options, random), plan);
}

/** Tries the plan's targets in order, then the last resort; throws what the client is told when none serves. */
async function walkPlan<T>(run: RouteRun<T>, whole: readonly Target[]): Promise<Served<T>> {
  const breaker = run.runtime.config.circuitBreaker;
  // After a context-length error only targets with a larger window are worth trying.
  let tooLong: { error: UpstreamError; window: number; attemptsSoFar: number } | undefined;
  for (const target of whole) {
    if (tooLong && (target.contextWindow ?? 0) <= tooLong.window) {
      run.skip(target, 'context_window');
    } else if (run.remainingMs() <= 0) {
      run.skip(target, 'time_budget');
    } else {
      const admission = run.circuits.admit(targetKey(target), breaker, run.now());
      if (admission === false) {
        run.skip(target, 'circuit_open');
        continue;
      }
      const outcome = await tryTarget(run, target, false, admission === 'probe');
      if (outcome.kind === 'served') return outcome.served;
      if (outcome.kind === 'unsupported') run.unsupported(target, outcome.error);
      if (outcome.kind === 'context') {
        const window = target.contextWindow ?? 0;
        tooLong = { error: outcome.error, window, attemptsSoFar: run.attempts.length };
      }
    }
  }
  // The prompt too long for a target, and nothing tried since: the client is told so only when no
  // target with a larger window exists. One that failed or was skipped (an open circuit, no time
  // left) makes this an outage, not a prompt to shorten: a 502 or 504 listing them — after a last
  // try of the larger ones when open circuits were all that stopped them. Targets that cannot serve
  // the request at all are left out; when that is every one, the client is told why (a 400).
  const plan = () => whole.filter((t) => !run.refused.has(targetKey(t)));
  if (plan().length === 0 && run.refusal) throw refusedByEvery(run.refusal, run.attempts);
  if (tooLong && run.attempts.length === tooLong.attemptsSoFar) {
    const window = tooLong.window;
    const larger = () => plan().filter((t) => (t.contextWindow ?? 0) > window);
    if (larger().length === 0) throw passThrough(tooLong.error, run.attempts);
    const outcome = await tryLastResort(run, larger, tooLong.attemptsSoFar, true);
    if (outcome?.kind === 'served') return outcome.served;
    if (outcome?.kind === 'context') throw passThrough(outcome.error, run.attempts);
    // The larger ones all turned out unable to serve the request: none can take the prompt.
    if (larger().length === 0) throw passThrough(tooLong.error, run.attempts);
    throw allFailed(run.attempts, run.skipped);
  }
  const outcome = await tryLastResort(run, plan, 0, false);
  if (outcome?.kind === 'served') return outcome.served;
  if (outcome?.kind === 'context') throw passThrough(outcome.error, run.attempts);
  if (plan().length === 0 && run.refusal) throw refusedByEvery(run.refusal, run.attempts);
  throw allFailed(run.attempts, run.skipped);
}
