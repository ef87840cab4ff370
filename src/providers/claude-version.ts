// Which generation a Claude model id names: the thinking it takes (claude-thinking.ts) and the
// regional price Bedrock and Vertex AI charge for it (pricing/cost.ts) both follow it.
import { Unsupported } from './types';

/**
 * Claude Mythos Preview (`claude-mythos-preview`; `anthropic.claude-mythos-preview` on Bedrock), whose
 * id names no version. It came with Opus 4.7's rules, and Anthropic and AWS document it beside Opus
 * 4.7 (AWS's adaptive-thinking page: both take adaptive thinking only, a budget is a 400), so it
 * counts as 4.7 here, of the Mythos family: what Mythos refuses it refuses (Anthropic's Fable 5
 * migration guide: Mythos 5 keeps Mythos Preview's Messages API and tool use), and it cannot stop
 * thinking. Its one difference from 4.7 on is effort xhigh, which it lacks (isMythosPreview).
 */
const MYTHOS_PREVIEW = /claude-mythos-preview(?![a-z0-9])/i;
const MYTHOS_PREVIEW_VERSION = 47;

/** Whether `model` names Claude Mythos Preview. */
export const isMythosPreview = (model: string): boolean => MYTHOS_PREVIEW.test(model);

/**
 * A Claude model's version, in tenths (37 for 3.7), from its id (`claude-3-7-sonnet-…`,
 * `claude-sonnet-4-5`, `anthropic.claude-opus-4-1-20250805-v1:0`; Mythos Preview's is 4.7, above);
 * undefined when it names none.
 */
export function claudeVersion(model: string): number | undefined {
  if (/claude-(?:v\d|instant)/i.test(model)) return 20; // Claude 2 and Instant on Bedrock
  if (isMythosPreview(model)) return MYTHOS_PREVIEW_VERSION;
  // Older ids put the version first (claude-3-5-haiku, claude-2.1), newer ones the family first;
  // a date (claude-sonnet-4-20250514) is no minor version.
  const found =
    /claude-(\d)(?:[-.](\d))?(?:-|$)/i.exec(model) ?? /claude-[a-z]+-(\d+)(?:[-.](\d))?(?!\d)/i.exec(model);
  return found ? Number(found[1]) * 10 + Number(found[2] ?? 0) : undefined;
}

/**
 * A newer Claude id's family (`claude-opus-5-5` → opus; `claude-fable-5-1` → fable; Mythos Preview →
 * mythos).
 */
export function claudeFamily(model: string): string | undefined {
  if (isMythosPreview(model)) return 'mythos';
  return /claude-([a-z]+)-\d/i.exec(model)?.[1]?.toLowerCase();
}

/**
 * Whether the model refuses a forced tool (tool_choice any or tool), thinking or not: Claude Opus
 * and Sonnet from 5.5, Fable and Mythos (Anthropic's "what's new" pages: forced tool use returns an
 * error there).
 */
export function refusesForcedTools(model: string): boolean {
  const family = claudeFamily(model);
  const version = claudeVersion(model) ?? 0;
  if (family === 'fable' || family === 'mythos') return true;
  return (family === 'opus' || family === 'sonnet') && version >= 55;
}

/** Claude 4.7 was the first to take no sampling parameters. */
const FIRST_WITHOUT_SAMPLING = 47;

/**
 * The sampling parameters to send a Claude model: Claude 4.7 and later (Opus 4.7 on, Mythos Preview,
 * Claude 5, Fable) answer any temperature, top_p or top_k with a 400 ("temperature is deprecated for
 * this model"), so there the defaults (temperature or top_p 1) are left out and any other value is
 * refused, naming it, so the route's next target may serve it; before, they go as sent.
 */
export function claudeSampling<T extends { temperature?: number | null; top_p?: number | null }>(
  model: string,
  request: T,
  topK: unknown,
): { temperature?: number; top_p?: number } {
  const version = claudeVersion(model);
  const sampling = {
    ...(request.temperature != null ? { temperature: request.temperature } : {}),
    ...(request.top_p != null ? { top_p: request.top_p } : {}),
  };
  if (version === undefined || version < FIRST_WITHOUT_SAMPLING) return sampling;
  const refuse = (param: string) =>
    new Unsupported(
      `${model} takes no ${param} (Claude 4.7 and later sample their own way): leave it out.`,
      param,
    );
  if (sampling.temperature !== undefined && sampling.temperature !== 1) throw refuse('temperature');
  if (sampling.top_p !== undefined && sampling.top_p !== 1) throw refuse('top_p');
  if (topK != null) throw refuse('top_k');
  return {};
}

/**
 * The Claude models that refuse a prefill (a conversation ending with an assistant turn to
 * continue): Claude 4.6 and later ("Prefilling assistant messages is not supported for this
 * model"). Undefined when the model takes one; else the reason, for the adapter's refusal.
 */
export function prefillRefusal(model: string): string | undefined {
  const version = claudeVersion(model);
  if (version === undefined || version < 46) return undefined;
  return `${model} takes no prefill (Claude 4.6 and later): the conversation must end with a user message or tool results.`;
}

/**
 * Whether the model takes a system message in the middle of `messages` (a `role: "system"` turn
 * after a user turn): Claude Opus 4.8 was the first; later ones do, but Sonnet 5, which sources
 * disagree on (Anthropic's answer for one that does not: "role 'system' is not supported on this
 * model"), is left out: its system messages all go to the top-level `system`, as before.
 */
export function takesSystemMessages(model: string): boolean {
  const version = claudeVersion(model) ?? 0;
  if (version < 48) return false;
  return !(claudeFamily(model) === 'sonnet' && version < 55);
}
