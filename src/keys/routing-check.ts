// Admin-time check of a key's or team's `routing` pins against the current config (routing/pin-check.ts):
// a pin naming what the config lacks is refused here, not discovered by its first request.
import type { Context } from 'hono';
import { currentConfig } from '../config/store';
import type { AppEnv } from '../env';
import { invalidRequest } from '../errors';
import { paramPath } from '../openai/read-body';
import type { RoutingOverride } from '../routing/overrides';
import { pinProblem } from '../routing/pin-check';

/** Throws 400 naming the pin's field (`routing.pin.fast.targets[0].provider`) when it resolves to nothing. */
export async function checkRoutingPins(
  c: Context<AppEnv>,
  routing: RoutingOverride | null | undefined,
): Promise<void> {
  if (!routing?.pin) return;
  const problem = pinProblem(routing.pin, (await currentConfig(c.env)).config);
  if (problem) throw invalidRequest(problem.message, paramPath(['routing', ...problem.path]));
}
