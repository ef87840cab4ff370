// reasoning_effort as Claude's `thinking` (Anthropic's API and Bedrock's Claude models): a budget
// before Claude 4.6, adaptive thinking with an effort from it, and what `none` asks of a model that
// thinks by default (reasoning-effort.ts tells the values and their budgets).
import { claudeFamily, claudeVersion, isMythosPreview } from './claude-version';
import { EFFORT_BUDGET, type ReasoningEffort, reasoningEffort, type Sampling } from './reasoning-effort';
import { Unsupported } from './types';

export interface ClaudeThinking {
  /** Native fields to set beside the client's: `thinking`, and adaptive thinking's `output_config`. */
  fields: Record<string, unknown>;
  /** Tokens the default max_tokens grows by when the request sets no cap (what estimate.ts reserved). */
  budget: number;
}

/** Claude's smallest thinking budget; budget_tokens must also stay below max_tokens. */
export const MIN_CLAUDE_BUDGET = 1024;

/**
 * Claude 3.7 Sonnet was the first to think; from Claude 4.6, adaptive thinking with an effort (max
 * among its levels); from 4.7, effort xhigh (between high and max) but on Mythos Preview; from
 * Claude 5, thinking unless told not to. Anthropic's effort page: max on Opus and Sonnet 4.6, Mythos
 * Preview and every model with xhigh ("some models that support max don't yet support xhigh").
 */
const FIRST_THINKING = 37;
const FIRST_ADAPTIVE = 46;
const FIRST_XHIGH = 47;
const FIRST_THINKING_BY_DEFAULT = 50;

/** Adaptive thinking's effort levels: Claude's low is its least; xhigh is high's where Claude has none. */
const CLAUDE_LEVEL: Record<Exclude<ReasoningEffort, 'none'>, string> = {
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
  max: 'max',
};

/** `output_config.effort` for a Claude model with adaptive thinking (4.6 and later). */
function claudeEffort(effort: Exclude<ReasoningEffort, 'none'>, model: string, version: number): string {
  if (effort === 'xhigh' && version >= FIRST_XHIGH && !isMythosPreview(model)) return 'xhigh';
  return CLAUDE_LEVEL[effort];
}

/**
 * What `none` asks of a Claude model that thinks by default (Claude 5 and later, and Mythos Preview;
 * before, it thinks only when asked: nothing to send). Thinking off where the model takes that
 * (`disabled`: Opus 5, Sonnet 5, Haiku 5.5), Sonnet 5.5's `between_tools` in its place (it refuses
 * `disabled`: no thinking before the answer), else the least thinking the model does — adaptive at
 * effort low — as Opus 5.5, Fable and Mythos (Mythos Preview too) refuse to stop thinking (a 400
 * for `disabled`).
 */
function claudeLeastThinking(
  model: string,
  version: number | undefined,
  output: Record<string, unknown> | null | undefined,
): ClaudeThinking | undefined {
  if (version === undefined) return undefined;
  const family = claudeFamily(model);
  const alwaysOn = family === 'fable' || family === 'mythos' || (family === 'opus' && version >= 55);
  if (version < FIRST_THINKING_BY_DEFAULT && !alwaysOn) return undefined;
  const thinking = alwaysOn
    ? { thinking: { type: 'adaptive' }, output_config: { ...(output ?? {}), effort: 'low' } }
    : { thinking: { type: family === 'sonnet' && version >= 55 ? 'between_tools' : 'disabled' } };
  return { fields: thinking, budget: 0 };
}

/**
 * Claude's thinking for a reasoning_effort: undefined when there is none to set (no effort, `none`
 * before Claude 5 — it thinks only when asked — or the client's own `thinking` or
 * `output_config.effort` in `native`, which win). `none` from Claude 5 on is claudeLeastThinking's.
 * Claude 4.6 and later get adaptive thinking with `output_config.effort` (Anthropic's recommended
 * control there; 4.7 and later refuse budgets), max as itself and xhigh from 4.7 (claudeEffort);
 * 3.7 to 4.5, and ids that name no version, a `budget_tokens` from EFFORT_BUDGET, kept below the
 * request's own cap. A model that cannot think (before 3.7) is refused, so the route's next target
 * may serve the request: the provider's own 400 would end it.
 */
export function claudeThinking(
  request: Sampling,
  model: string,
  native: Record<string, unknown>,
  provider: string,
): ClaudeThinking | undefined {
  const effort = reasoningEffort(request, provider);
  const output = native.output_config as { effort?: unknown } | null | undefined;
  if (effort === undefined || native.thinking != null || output?.effort != null) return undefined;
  const version = claudeVersion(model);
  if (effort === 'none') return claudeLeastThinking(model, version, output);
  if (version !== undefined && version < FIRST_THINKING) {
    throw new Unsupported(
      `${model} cannot think: reasoning_effort needs a Claude model with extended thinking (Claude 3.7 Sonnet or later).`,
      'reasoning_effort',
    );
  }
  // Anthropic's limits with thinking on: temperature 1 only, no top_k, top_p from 0.95.
  const refuse = (param: string, what: string) =>
    new Unsupported(`With reasoning_effort (extended thinking), Claude models take ${what}.`, param);
  if (request.temperature != null && request.temperature !== 1)
    throw refuse('temperature', 'no temperature but 1');
  if (request.top_p != null && request.top_p < 0.95) throw refuse('top_p', 'no top_p below 0.95');
  if (native.top_k != null) throw refuse('top_k', 'no top_k');

  const cap = request.max_completion_tokens ?? request.max_tokens;
  const budget = EFFORT_BUDGET[effort];
  if (version !== undefined && version >= FIRST_ADAPTIVE) {
    return {
      fields: {
        thinking: { type: 'adaptive' },
        output_config: {
          ...(output ?? {}),
          effort: claudeEffort(effort, model, version),
        },
      },
      budget: cap == null ? budget : 0,
    };
  }
  if (cap != null && cap <= MIN_CLAUDE_BUDGET) {
    throw new Unsupported(
      `With reasoning_effort, Claude models need max_completion_tokens above ${MIN_CLAUDE_BUDGET}: their smallest thinking budget is ${MIN_CLAUDE_BUDGET} tokens, within the cap.`,
      'max_completion_tokens',
    );
  }
  // OpenAI counts reasoning within the cap; Claude wants the budget below max_tokens.
  const tokens = cap == null ? budget : Math.min(budget, cap - 1);
  return { fields: { thinking: { type: 'enabled', budget_tokens: tokens } }, budget: tokens };
}
