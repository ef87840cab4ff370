// reasoning_effort as the input Workers AI's gpt-oss models take (reasoning-effort.ts tells the values).
import { gptOssEffort, reasoningEffort } from './reasoning-effort';
import { Unsupported } from './types';

/**
 * Workers AI models with a reasoning effort input: OpenAI's gpt-oss (`@cf/openai/gpt-oss-120b`,
 * `-20b`), which take `reasoning_effort` low, medium or high (Workers AI's model schema).
 */
const WORKERS_AI_EFFORT = /^@cf\/openai\/gpt-oss-/i;

/**
 * The `reasoning_effort` input a Workers AI gpt-oss model takes for an OpenAI one: minimal is low,
 * xhigh high, and `none` low — gpt-oss always reasons, low is the least it does. Undefined when
 * there is no effort; any other model is refused, so the route's next target may serve it.
 */
export function workersAIEffort(request: object, model: string): string | undefined {
  const effort = reasoningEffort(request, 'Workers AI');
  if (effort === undefined) return undefined;
  if (!WORKERS_AI_EFFORT.test(model)) {
    throw new Unsupported(
      `Workers AI does not support reasoning_effort on ${model}: only the gpt-oss models take one.`,
      'reasoning_effort',
    );
  }
  return gptOssEffort(effort);
}
