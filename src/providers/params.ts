// The parameter policy of the translating adapters: which OpenAI parameters each maps, refuses or
// drops, and the forwarding of the ones that are not OpenAI's.
//
// A parameter an adapter cannot honour is refused, never silently ignored: the route's next target
// is tried (Unsupported), and when none can honour it the answer is a 400 naming it;
// one that cannot change the answer's meaning is dropped; any other parameter is the provider's
// own and is forwarded for the provider to validate. A null value counts as unset throughout.
// Each adapter's file header lists its policy; the lists themselves live beside its translation.
import { invalidRequest } from '../errors';
import type { ChatRequest } from '../openai/schemas';
import { type FunctionToolsRequest, functionToolsOnly } from './function-tools';
import { Unsupported } from './types';

/** Why a parameter is refused; `when` replaces the usual test of whether the request asks for it. */
export type Refusal = string | { why: string; when: (value: unknown) => boolean };

export type ParamPolicySpec = {
  /** OpenAI parameters the adapter maps itself, space-separated; never forwarded under their name. */
  translate: string;
  /** OpenAI parameters ignored because they cannot change the answer's meaning, space-separated. */
  drop?: string;
} & (
  | {
      /** Checked in this order: the first parameter the request asks for is the one refused. */
      refuse: Record<string, Refusal>;
      /** The 400 message of a refusal, from its reason. */
      refusal: (why: string) => string;
    }
  | { refuse?: undefined; refusal?: undefined }
);

/** OpenAI bookkeeping and hints that no native API here takes: every adapter drops them. */
export const NO_EFFECT =
  'store metadata service_tier prompt_cache_key prompt_cache_retention prediction verbosity';

/** How most adapters word the refusal of OpenAI features that their provider does not offer. */
export const OPENAI_ONLY_FEATURES: Record<string, Refusal> = {
  logit_bias: 'logit_bias',
  modalities: 'output modalities other than text',
  audio: 'audio output',
  functions: "the deprecated 'functions' (use tools)",
  function_call: "the deprecated 'function_call' (use tool_choice)",
  web_search_options: 'web search',
};

/** When a refused parameter asks for something; any parameter not listed does once it is set. */
const ASKS: Record<string, (value: unknown) => boolean> = {
  n: (n) => ((n ?? 1) as number) > 1,
  logprobs: Boolean,
  top_logprobs: Boolean,
  presence_penalty: Boolean,
  frequency_penalty: Boolean,
  parallel_tool_calls: (value) => value === false,
  stop: (stop) => stop != null && (stop as string | string[]).length > 0,
  logit_bias: (bias) => Boolean(bias) && Object.keys(bias as object).length > 0,
  modalities: (modalities) => Array.isArray(modalities) && modalities.some((m) => m !== 'text'),
};

const isSet = (value: unknown) => value != null;
const names = (list = '') => list.split(/\s+/).filter(Boolean);

export interface ParamPolicy {
  /**
   * Throws Unsupported (a 400 when no other target serves it) for a custom tool, then for the first
   * refused parameter asked for; returns the request as the adapter translates it
   * (function-tools.ts: allowed_tools applied).
   */
  refuseUnsupported(request: ChatRequest): FunctionToolsRequest;
  /** Throws Unsupported for the first refused parameter the request asks for (custom tools allowed). */
  refuseParams(request: ChatRequest): void;
  /** The request's set parameters that are neither translated, refused nor dropped: the provider's own. */
  native(request: object): [string, unknown][];
  /** Copies the provider's own parameters into `body`; one naming a field already there is refused. */
  forward(request: object, body: Record<string, unknown>): void;
}

export function paramPolicy(spec: ParamPolicySpec): ParamPolicy {
  const refusals = Object.entries(spec.refuse ?? {}).map(([param, refusal]) =>
    typeof refusal === 'string'
      ? { param, why: refusal, when: ASKS[param] ?? isSet }
      : { param, why: refusal.why, when: refusal.when },
  );
  const known = new Set([...names(spec.translate), ...refusals.map((r) => r.param), ...names(spec.drop)]);
  const native = (request: object) =>
    Object.entries(request).filter(([key, value]) => value != null && !known.has(key));
  const wording = (why: string) => spec.refusal?.(why) ?? why;
  const refuseParams = (request: ChatRequest) => {
    const values = request as Record<string, unknown>;
    const refused = refusals.find(({ param, when }) => when(values[param]));
    if (refused) throw new Unsupported(wording(refused.why), refused.param);
  };
  return {
    refuseUnsupported(request) {
      const translated = functionToolsOnly(request, wording);
      refuseParams(translated);
      return translated;
    },
    refuseParams,
    native,
    forward(request, body) {
      for (const [key, value] of native(request)) forwardParam(body, key, value);
    },
  };
}

/** Sets one provider parameter in a translated body, unless the translation already set that field. */
export function forwardParam(body: Record<string, unknown>, key: string, value: unknown): void {
  if (key in body) throw conflictingParam(key);
  body[key] = value;
}

export function conflictingParam(key: string) {
  return invalidRequest(`'${key}' conflicts with a field translated from the request.`, key);
}

/**
 * A request's `stop` as a list without empty sequences: they never match, OpenAI takes and ignores
 * them, and Anthropic and Converse refuse them. `blankRefusedBy` names models that refuse a
 * sequence of whitespace only ("\n": answer on one line), which would stop an OpenAI answer: such a
 * sequence is refused naming `stop` (Unsupported: a model that takes it may serve the request),
 * never silently left out.
 */
export function stopSequences(stop: string | string[] | null | undefined, blankRefusedBy?: string): string[] {
  const stops = (typeof stop === 'string' ? [stop] : (stop ?? [])).filter((sequence) => sequence !== '');
  const blank = blankRefusedBy === undefined ? undefined : stops.find((sequence) => !sequence.trim());
  if (blank !== undefined) {
    throw new Unsupported(
      `${blankRefusedBy} do not accept a stop sequence of whitespace only (${JSON.stringify(blank)}); use one with a visible character, or route this request to a model that accepts it.`,
      'stop',
    );
  }
  return stops;
}
