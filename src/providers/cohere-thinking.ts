// reasoning_effort as Cohere's `thinking`, which only Command A Reasoning takes
// (reasoning-effort.ts tells the values and budgets).
import { EFFORT_BUDGET, reasoningEffort, type Sampling } from './reasoning-effort';
import { Unsupported } from './types';

/**
 * Cohere's reasoning models by id: Command A Reasoning (`command-a-reasoning-08-2025`), the one
 * model Cohere documents `thinking` for; its other models do not think.
 */
const COHERE_REASONING = /(?:^|-)reasoning(?:-|$)/i;

/**
 * Cohere's `thinking` for a reasoning_effort (Chat v2, Command A Reasoning): `none` turns thinking
 * off (`disabled`, which the model takes: it thinks by default, with no limit); any other effort
 * is `enabled` with a `token_budget` from EFFORT_BUDGET, no more than the request's own cap (Cohere
 * counts thinking within max_tokens: its guide has a 31K budget leave 1K of a 32K output for the
 * answer). Undefined when there is no effort or the client sent its own `thinking`, which wins.
 * Another Cohere model cannot think and is refused, so the route's next target may serve it.
 */
export function cohereThinking(
  request: Sampling,
  model: string,
  native: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const effort = reasoningEffort(request, 'Cohere');
  if (effort === undefined || native.thinking != null) return undefined;
  if (!COHERE_REASONING.test(model)) {
    throw new Unsupported(
      `${model} cannot think: reasoning_effort needs a Cohere reasoning model (command-a-reasoning-08-2025).`,
      'reasoning_effort',
    );
  }
  if (effort === 'none') return { type: 'disabled' };
  const cap = request.max_completion_tokens ?? request.max_tokens;
  const budget = EFFORT_BUDGET[effort];
  return { type: 'enabled', token_budget: cap == null ? budget : Math.min(budget, cap) };
}
