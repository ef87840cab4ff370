// reasoning_effort as Gemini's thinkingConfig, by the model's generation: a thinkingBudget on
// Gemini 2.5, a thinkingLevel from Gemini 3 (reasoning-effort.ts tells the values and budgets).
import { EFFORT_BUDGET, type ReasoningEffort, reasoningEffort } from './reasoning-effort';
import { Unsupported } from './types';

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
