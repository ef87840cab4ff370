// The parameters OpenAI's newest models refuse with a 400, refused here before the call
// (Unsupported), so that the route's next target serves the request instead of OpenAI's 400 ending
// it. Only exact model ids OpenAI documents these rules for: an id not listed here (a dated snapshot,
// a `-pro` or `-fast` variant, another service's name) goes as sent, for its upstream to judge.
//
// - Efforts: GPT-5.6 and GPT-6 take none, low, medium, high, xhigh and max — not minimal (OpenAI's
//   reasoning_options for GPT-5.6: "none", "low", "medium", "high", "xhigh", "max"; its answer to
//   minimal: "Unsupported value: 'minimal' is not supported with the 'gpt-5.6-sol' model"); GPT-6
//   Astra, GPT-6.1 Sol and GPT-6.2 Astra and Sol take no none either (OpenAI's Using GPT-6 and Using
//   GPT-6.2 guides: Astra's limits, and GPT-6.1 Sol's efforts, low to max with medium the default).
// - Sampling: on GPT-6, "when reasoning effort is not none, remove temperature, top_p, and
//   top_logprobs; also remove logprobs from Chat Completions requests and
//   message.output_text.logprobs from the Responses include array" (OpenAI's deployment checklist),
//   and every GPT-6 model reasons at medium unless told otherwise. A temperature or top_p of 1,
//   their defaults, asks for nothing the model does not do: it goes as sent. A top_logprobs of 0,
//   which some SDKs send by default, asks for nothing either: it is left out, as the checklist says.
import type { ChatRequest } from '../openai/schemas';
import { Unsupported } from './types';

const FROM_LOW = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
const FROM_NONE = ['none', ...FROM_LOW] as const;
/** OpenAI's effort values: any other is left for OpenAI to name. */
const OPENAI_EFFORTS: ReadonlySet<string> = new Set(['minimal', ...FROM_NONE]);

interface ModelRules {
  /** The reasoning efforts the model takes. */
  efforts: readonly string[];
  /** temperature, top_p, logprobs and top_logprobs only at effort none (GPT-6). */
  samplingOnlyWithoutReasoning: boolean;
}

const GPT_5_6: ModelRules = { efforts: FROM_NONE, samplingOnlyWithoutReasoning: false };
const GPT_6: ModelRules = { efforts: FROM_NONE, samplingOnlyWithoutReasoning: true };
const GPT_6_WITHOUT_NONE: ModelRules = { efforts: FROM_LOW, samplingOnlyWithoutReasoning: true };

const RULES: ReadonlyMap<string, ModelRules> = new Map([
  ['gpt-5.6', GPT_5_6],
  ['gpt-5.6-sol', GPT_5_6],
  ['gpt-5.6-terra', GPT_5_6],
  ['gpt-5.6-luna', GPT_5_6],
  ['gpt-6-sol', GPT_6],
  ['gpt-6-luna', GPT_6],
  ['gpt-6.1-terra', GPT_6],
  ['gpt-6-astra', GPT_6_WITHOUT_NONE],
  ['gpt-6.1-sol', GPT_6_WITHOUT_NONE],
  ['gpt-6.2-astra', GPT_6_WITHOUT_NONE],
  ['gpt-6.2-sol', GPT_6_WITHOUT_NONE],
]);

/** Where the Responses API asks for logprobs (`include`), which GPT-6 refuses while reasoning. */
const LOGPROBS_INCLUDE = 'message.output_text.logprobs';

/**
 * The effort the call asks for and the field that asks: a Responses request's own `reasoning.effort`
 * (forwarded, and winning over reasoning_effort there: openai-responses-request.ts), else
 * reasoning_effort; undefined when neither is a string (the model's default, medium, is in force).
 */
function askedEffort(body: ChatRequest): { effort: string; param: string } | undefined {
  const fields = body as Record<string, unknown>;
  const native = fields.reasoning;
  if (typeof native === 'object' && native !== null) {
    const effort = (native as { effort?: unknown }).effort;
    if (typeof effort === 'string') return { effort, param: 'reasoning.effort' };
  }
  const effort = fields.reasoning_effort;
  return typeof effort === 'string' ? { effort, param: 'reasoning_effort' } : undefined;
}

/**
 * Throws Unsupported naming the first parameter `model` refuses in `body` (a 400 naming it when no
 * other target of the route serves the request); else returns the body to send: `body` itself, or
 * without its top_logprobs of 0 where the model refuses the field. A model not listed here gets
 * `body` as it is.
 */
export function openAIModelBody(model: string, body: ChatRequest): ChatRequest {
  const rules = RULES.get(model);
  if (rules === undefined) return body;
  const asked = askedEffort(body);
  if (asked && OPENAI_EFFORTS.has(asked.effort) && !rules.efforts.includes(asked.effort)) {
    throw new Unsupported(
      `Unsupported value: '${asked.effort}' is not supported with the '${model}' model. Supported values are: ${rules.efforts.map((e) => `'${e}'`).join(', ')}.`,
      asked.param,
    );
  }
  if (!rules.samplingOnlyWithoutReasoning || asked?.effort === 'none') return body;
  const refused = samplingRefused(body);
  if (refused === undefined) {
    if (body.top_logprobs !== 0) return body;
    const { top_logprobs: _none, ...rest } = body;
    return rest;
  }
  const remedy = rules.efforts.includes('none')
    ? "leave it out, or set reasoning_effort to 'none'"
    : 'leave it out';
  throw new Unsupported(
    `Unsupported parameter: '${refused}' is not supported with the '${model}' model while it reasons (reasoning effort other than 'none'; its default is 'medium'): ${remedy}.`,
    refused,
  );
}

/** The first sampling or logprobs parameter the body sets to other than its default (top_logprobs: 0). */
function samplingRefused(body: ChatRequest): string | undefined {
  if (body.temperature != null && body.temperature !== 1) return 'temperature';
  if (body.top_p != null && body.top_p !== 1) return 'top_p';
  if (body.logprobs === true) return 'logprobs';
  if (body.top_logprobs != null && body.top_logprobs !== 0) return 'top_logprobs';
  const include = (body as Record<string, unknown>).include;
  if (Array.isArray(include) && include.includes(LOGPROBS_INCLUDE)) return 'include';
  return undefined;
}
