// The last resort: when open circuits alone stopped every target of the plan, one is still tried
// rather than failing the request without a single call.
import type { Target } from '../config/schema';
import type { Outcome, RouteRun } from './route-run';
import { targetKey } from './strategies';
import { tryTarget } from './target-attempts';

/**
 * The last resort (lastResort) tried; one whose adapter cannot serve the request gives way to the
 * next of `candidates` (which leave out the targets that refused). Undefined when there is none.
 */
export async function tryLastResort<T>(
  run: RouteRun<T>,
  candidates: () => readonly Target[],
  tried: number,
  widest: boolean,
): Promise<Outcome<T> | undefined> {
  for (;;) {
    const target = lastResort(run, candidates(), tried, widest);
    if (!target) return undefined;
    const outcome = await tryTarget(run, target, true, false);
    if (outcome.kind !== 'unsupported') return outcome;
    run.unsupported(target, outcome.error);
  }
}

/**
 * When every target of `plan` was skipped for an open circuit (and `tried` attempts were all made),
 * one is still tried: the one that failed longest ago or, after a context overflow (`widest`), the
 * one with the largest window (a smaller one could only overflow too).
 */
function lastResort<T>(
  run: RouteRun<T>,
  plan: readonly Target[],
  tried: number,
  widest: boolean,
): Target | undefined {
  const keys = new Set(plan.map(targetKey));
  const passed = run.skipped.filter((s) => keys.has(targetKey(s)));
  if (plan.length === 0 || run.attempts.length > tried || passed.length < keys.size) return undefined;
  if (passed.some((s) => s.reason !== 'circuit_open')) return undefined;
  const target = widest
    ? plan.reduce((a, b) => ((b.contextWindow ?? 0) > (a.contextWindow ?? 0) ? b : a))
    : plan.find((t) => targetKey(t) === run.circuits.leastRecentlyFailed([...keys]));
  const at = run.skipped.findIndex((s) => target !== undefined && targetKey(s) === targetKey(target));
  if (at >= 0) run.skipped.splice(at, 1);
  return target;
}
