// OpenAI's `reasoning_effort` as the native reasoning control of the providers that have one:
// Claude's `thinking` (Anthropic's API and Bedrock's Claude models), Gemini's thinkingConfig,
// Cohere's `thinking` (Command A Reasoning), Amazon Nova 2's reasoningConfig (Bedrock), OpenAI's
// models on Bedrock and the `reasoning_effort` input of Workers AI's gpt-oss models.
// Each adapter translates it here, before anything else reads the request, into the native field
// that a client could have sent itself — so the reservation (limits/estimate.ts) and Anthropic's
// default max_tokens growth see the budget as they see a native one. A native field the client
// sent wins: the effort is then left out, as the more general of the two asks.
import { claudeFamily, claudeVersion, isMythosPreview } from './claude-version';
import { Unsupported } from './types';

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';
/** OpenAI's values: `max` came with GPT-5.6 (above xhigh); elsewhere it is the most the model takes. */
const EFFORTS: ReadonlySet<string> = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']);

/**
 * Thinking tokens an effort buys where the control is a budget: Google's own mapping of
 * reasoning_effort to Gemini 2.5's thinking_budget (its OpenAI-compatibility page), taken for
 * Claude's budget_tokens too — Anthropic publishes none, and 1,024 is its smallest budget. xhigh and
 * max are high's: 24,576 plus a default answer stays within every thinking Claude model's output limit.
 */
export const EFFORT_BUDGET: Readonly<Record<Exclude<ReasoningEffort, 'none'>, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24_576,
  xhigh: 24_576,
  max: 24_576,
};

/** Claude's smallest thinking budget; budget_tokens must also stay below max_tokens. */
const MIN_CLAUDE_BUDGET = 1024;

/** The request's reasoning_effort; undefined when unset; a value OpenAI does not define is refused. */
export function reasoningEffort(request: object, provider: string): ReasoningEffort | undefined {
  const effort = (request as { reasoning_effort?: unknown }).reasoning_effort;
  if (effort == null) return undefined;
  if (typeof effort === 'string' && EFFORTS.has(effort)) return effort as ReasoningEffort;
  throw new Unsupported(
    `${provider} models take reasoning_effort none, minimal, low, medium, high, xhigh or max, not ${JSON.stringify(effort)}.`,
    'reasoning_effort',
  );
}

/**
 * The thinking budget a request's reasoning_effort may buy on any provider (estimate.ts reserves
 * it); undefined for none, unset or a value no adapter takes. Never throws.
 */
export function effortBudget(request: object): number | undefined {
  const effort = (request as { reasoning_effort?: unknown }).reasoning_effort;
  return typeof effort === 'string' && effort !== 'none' && EFFORTS.has(effort)
    ? EFFORT_BUDGET[effort as Exclude<ReasoningEffort, 'none'>]
    : undefined;
}

type Sampling = {
  reasoning_effort?: unknown;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
};

export interface ClaudeThinking {
  /** Native fields to set beside the client's: `thinking`, and adaptive thinking's `output_config`. */
  fields: Record<string, unknown>;
  /** Tokens the default max_tokens grows by when the request sets no cap (what estimate.ts reserved). */
  budget: number;
}

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

/** A Gemini model's generation, in tenths (25 for 2.5), from its id (`models/gemini-3-pro-preview`). */
function geminiVersion(model: string): number | undefined {
  const found = /gemini-(\d+)(?:\.(\d))?(?!\d)/i.exec(model);
  return found ? Number(found[1]) * 10 + Number(found[2] ?? 0) : undefined;
}

/** Gemini 4 (Argon, Carbon…) takes thinkingLevel low, medium or high: no minimal, no thinkingBudget. */
const FIRST_GEMINI_WITHOUT_MINIMAL = 40;

/**
 * Gemini's thinkingConfig for a reasoning_effort, as Google's OpenAI-compatibility layer maps it:
 * Gemini 3 and later a thinkingLevel (Pro and Gemini 4 take no minimal: low; Gemini 3 Pro no
 * medium: high; xhigh and max are high), Gemini 2.5 a thinkingBudget (EFFORT_BUDGET). `none` where
 * thinking cannot be turned off (Gemini 3 and later, 2.5 Pro) is the least the model takes: minimal
 * (low on Pro and Gemini 4), or a 128-token budget. Models
 * before 2.5 do not think, and an id that names no generation (an alias, a tuned model) cannot be
 * mapped: both refused (but `none` on an older model, which asks for what it does anyway).
 */
export function geminiThinking(request: object, model: string): Record<string, unknown> | undefined {
  const effort = reasoningEffort(request, 'Gemini');
  if (effort === undefined) return undefined;
  const version = geminiVersion(model);
  if (version === undefined) {
    throw new Unsupported(
      `reasoning_effort cannot be mapped for '${model}', whose Gemini generation its name does not tell: set generationConfig.thinkingConfig instead.`,
      'reasoning_effort',
    );
  }
  if (version < 25) {
    if (effort === 'none') return undefined;
    throw new Unsupported(
      `${model} cannot think: reasoning_effort needs Gemini 2.5 or later.`,
      'reasoning_effort',
    );
  }
  const pro = /-pro\b/i.test(model);
  if (version < 30) {
    if (effort === 'none') return { thinkingBudget: pro ? 128 : 0 };
    return { thinkingBudget: EFFORT_BUDGET[effort] };
  }
  const least = pro || version >= FIRST_GEMINI_WITHOUT_MINIMAL ? 'low' : 'minimal';
  const level: Record<ReasoningEffort, string> = {
    none: least,
    minimal: least,
    low: 'low',
    medium: pro && version === 30 ? 'high' : 'medium',
    high: 'high',
    xhigh: 'high',
    max: 'high',
  };
  return { thinkingLevel: level[effort] };
}

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

/**
 * Amazon Nova 2 on Bedrock, by model id, inference profile or ARN: Nova 2 Lite and Pro, the ones
 * AWS documents extended thinking for (`amazon.nova-2-lite-v1:0`, `us.amazon.nova-2-lite-v1:0`…).
 * Nova 1 (`amazon.nova-pro-v1:0`) refuses a reasoningConfig; Nova 2 Sonic is a speech model.
 */
export const NOVA_2_REASONING = /(?:^|[.:/])amazon\.nova-2-(?:lite|pro)\b/i;

/** The low/medium/high scale Nova 2's maxReasoningEffort and gpt-oss take: low is their least. */
const THREE_LEVELS: Record<Exclude<ReasoningEffort, 'none'>, string> = {
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
  max: 'high',
};

/** gpt-oss's effort (Workers AI, Bedrock): it always reasons, so `none` is its least, low. */
const gptOssEffort = (effort: ReasoningEffort) => (effort === 'none' ? 'low' : THREE_LEVELS[effort]);

/**
 * Nova 2's `reasoningConfig` (in additionalModelRequestFields) for a reasoning_effort: `enabled`
 * with a maxReasoningEffort, `disabled` for none (Nova 2's default). Undefined when there is no
 * effort or the client sent its own reasoningConfig, which wins. AWS takes maxReasoningEffort
 * `high` only without maxTokens, so high with an output cap (the client's, or the gateway's with
 * limits.enforceMaxTokens) is refused: dropping the cap would break the client's limit and the
 * reservation, and the provider's own 400 would end the request instead of failing over.
 */
export function novaReasoning(
  request: Sampling,
  native: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const effort = reasoningEffort(request, 'Amazon Nova 2');
  // The client's own, where AWS's examples put it or inside the Nova-specific inferenceConfig.
  const inference = native.inferenceConfig as { reasoningConfig?: unknown } | null | undefined;
  if (effort === undefined || native.reasoningConfig != null || inference?.reasoningConfig != null)
    return undefined;
  if (effort === 'none') return { reasoningConfig: { type: 'disabled' } };
  const level = THREE_LEVELS[effort];
  if (level === 'high' && (request.max_completion_tokens ?? request.max_tokens) != null) {
    throw new Unsupported(
      `Amazon Nova 2 takes reasoning_effort ${effort} (maxReasoningEffort high) only without an output cap: omit max_completion_tokens, or ask for medium.`,
      'reasoning_effort',
    );
  }
  return { reasoningConfig: { type: 'enabled', maxReasoningEffort: level } };
}

/** OpenAI's models on Bedrock, by model id, inference profile or ARN; gpt-oss among them. */
const BEDROCK_OPENAI = /(?:^|[.:/])openai\./i;
const BEDROCK_GPT_OSS = /(?:^|[.:/])openai\.gpt-oss-/i;

/** Whether `model` names one of OpenAI's models on Bedrock (bedrockOpenAIEffort maps its effort). */
export const bedrockOpenAI = (model: string): boolean => BEDROCK_OPENAI.test(model);

/**
 * The additionalModelRequestFields an effort becomes for OpenAI's models on Bedrock's Converse API.
 * gpt-oss takes chat completions' flat `reasoning_effort` (AWS: fields Converse has no place for go
 * in additionalModelRequestFields), low to high only — it always reasons, so none and minimal are
 * low. The GPT models after it refuse the flat field and take the Responses API's
 * `reasoning: {effort}` (none to max; GPT-6 refuses minimal, so it is low). Undefined when there
 * is no effort or the client sent its own field, which wins.
 */
export function bedrockOpenAIEffort(
  request: object,
  model: string,
  native: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const effort = reasoningEffort(request, 'OpenAI on Bedrock');
  if (effort === undefined || native.reasoning_effort != null || native.reasoning != null) return undefined;
  if (BEDROCK_GPT_OSS.test(model)) return { reasoning_effort: gptOssEffort(effort) };
  return { reasoning: { effort: effort === 'minimal' ? 'low' : effort } };
}

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
