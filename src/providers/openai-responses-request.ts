// A chat-completions request as the body of OpenAI's Responses API (POST /responses), for the models
// OpenAI serves only there (the codex and pro models: openai-responses.ts).
//
// - messages → `input` items (openai-responses-input.ts).
// - tools → Responses tools (the function's fields one level up; `strict` false unless set: it
//   defaults to true there; a custom tool's grammar flat in its format); tool_choice likewise,
//   allowed_tools included; parallel_tool_calls kept.
// - max_completion_tokens ?? max_tokens → max_output_tokens (at least 16, its minimum there);
//   reasoning_effort → reasoning.effort, and a /v1/responses request's reasoning.summary (which the
//   chat body cannot carry: ChatCall.reasoningSummary) → reasoning.summary;
//   verbosity → text.verbosity; response_format → text.format; store is false unless the client
//   sets it (the default of chat completions; Responses would store the answer otherwise).
// - Kept as they are: temperature, top_p, metadata, user, safety_identifier, service_tier,
//   prompt_cache_key, prompt_cache_retention.
// Refused with a 400 naming the parameter (Unsupported: another target may serve it): n > 1, stop,
// logprobs, top_logprobs, presence/frequency_penalty, logit_bias, seed, audio output, non-text
// modalities, prediction, web_search_options, functions/function_call and role "function", audio
// input, background (the answer would be a queued response with nothing in it).
// - An assistant message's `openai_reasoning` thinking blocks (OpenAI's encrypted reasoning, which
//   an earlier answer carried) → reasoning items (without their ids, as Codex sends them) before
//   its text; and, with store false, a reasoning model is asked for them (`include:
//   ["reasoning.encrypted_content"]`): a stateless tool loop then keeps the model's reasoning from
//   call to call, as OpenAI advises.
// Dropped: stream_options (usage always comes), a message's `name`, its other thinking blocks and
// its reasoning_content (another provider's reasoning, which OpenAI cannot take back).
// Unknown parameters are forwarded (`include`, `truncation`, `reasoning` …) for OpenAI to validate.
import { invalidRequest } from '../errors';
import type { ChatRequest, Tool } from '../openai/schemas';
import { type Item, inputItems } from './openai-responses-input';
import { forwardParam, paramPolicy } from './params';

const PARAMS = paramPolicy({
  refusal: (why) => `OpenAI's Responses API does not support ${why}.`,
  refuse: {
    n: 'n > 1 (several choices per request)',
    stop: 'stop sequences',
    logprobs: 'logprobs',
    top_logprobs: 'top_logprobs',
    presence_penalty: 'presence_penalty',
    frequency_penalty: 'frequency_penalty',
    logit_bias: 'logit_bias',
    seed: 'seed',
    modalities: 'output modalities other than text',
    audio: 'audio output',
    prediction: 'predicted outputs',
    web_search_options: 'web_search_options (use a model served by chat completions)',
    functions: "the deprecated 'functions' (use tools)",
    function_call: "the deprecated 'function_call' (use tool_choice)",
    background: { why: 'background responses through chat completions', when: (v) => v === true },
  },
  translate:
    'model messages stream stream_options max_tokens max_completion_tokens temperature top_p tools tool_choice parallel_tool_calls response_format reasoning_effort verbosity store metadata user safety_identifier service_tier prompt_cache_key prompt_cache_retention',
});

/** The Responses API refuses a smaller max_output_tokens. */
export const MIN_OUTPUT_TOKENS = 16;

/** Copied under the same name when set. */
const KEPT = [
  'temperature',
  'top_p',
  'parallel_tool_calls',
  'metadata',
  'user',
  'safety_identifier',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
] as const;

export interface ResponsesRequestOptions {
  /** The gateway provider called: only the encrypted reasoning it gave goes back to it. */
  provider: string;
  /** The reasoning summary a /v1/responses request asked for (ChatCall.reasoningSummary). */
  summary?: string;
}

export function toResponsesRequest(
  request: ChatRequest,
  model: string,
  { provider, summary }: ResponsesRequestOptions,
): Record<string, unknown> {
  PARAMS.refuseParams(request);
  const fields = request as Record<string, unknown>;
  const body: Record<string, unknown> = { model, input: inputItems(request.messages, provider) };
  for (const key of KEPT) if (fields[key] != null) body[key] = fields[key];
  body.store = request.store ?? false;
  if (request.stream) body.stream = true;
  const cap = request.max_completion_tokens ?? request.max_tokens;
  // The Responses API refuses a cap below 16 (a 400 on a field the client never sent); clients
  // probe with max_tokens 1 (Claude Code does, through /v1/messages): at most 15 tokens more.
  if (cap != null) body.max_output_tokens = Math.max(cap, MIN_OUTPUT_TOKENS);
  if (request.tools?.length) body.tools = request.tools.map(responsesTool);
  if (request.tool_choice != null) body.tool_choice = responsesToolChoice(request.tool_choice);
  const text = textConfig(request);
  if (text) body.text = text;
  if (fields.reasoning_effort != null) {
    const native = fields.reasoning;
    if (native != null && typeof native !== 'object')
      throw invalidRequest("'reasoning' must be an object.", 'reasoning');
    // Merged into the client's own reasoning object (its summary, say), whose effort wins if set.
    body.reasoning = { effort: fields.reasoning_effort, ...(native as object | undefined) };
  }
  for (const [key, value] of PARAMS.native(request)) {
    if (key === 'reasoning' && body.reasoning) continue;
    forwardParam(body, key, value);
  }
  if (summary !== undefined) {
    const reasoning = (body.reasoning ?? {}) as Record<string, unknown>;
    if (typeof reasoning === 'object' && reasoning.summary == null)
      body.reasoning = { ...reasoning, summary };
  }
  if (body.store === false && ENCRYPTED_REASONING.test(model))
    body.include = withEncryptedReasoning(body.include);
  return body;
}

/**
 * Models that reason and return their reasoning encrypted: OpenAI refuses `include` of it for the
 * others (gpt-4o, gpt-4.1, gpt-5-chat: "Encrypted content is not supported with this model"). Also
 * the models whose web search preview OpenAI bills at its reasoning models' fee (pricing/tool-fees.ts).
 */
export const ENCRYPTED_REASONING = /^(o\d|codex-|gpt-5(?!(\.\d+)?-chat))/;

const ENCRYPTED = 'reasoning.encrypted_content';

function withEncryptedReasoning(include: unknown): unknown {
  if (include == null) return [ENCRYPTED];
  // Not a list: the client's own mistake, for OpenAI to name.
  if (!Array.isArray(include) || include.includes(ENCRYPTED)) return include;
  return [...include, ENCRYPTED];
}

function responsesTool(tool: Tool): Item {
  if (tool.type === 'custom') {
    const { name, description, format } = tool.custom;
    return {
      type: 'custom',
      name,
      ...(description ? { description } : {}),
      ...(format ? { format: customFormat(format) } : {}),
    };
  }
  const { name, description, parameters, strict } = tool.function;
  return {
    type: 'function',
    name,
    ...(description !== undefined ? { description } : {}),
    parameters: parameters ?? { type: 'object', properties: {} },
    strict: strict ?? false,
  };
}

/**
 * A custom tool's format: a grammar's syntax and definition sit beside its type in the Responses
 * API, not under chat's `grammar` (OpenAI refuses the nested shape: Codex's apply_patch has one).
 */
function customFormat(format: NonNullable<Extract<Tool, { type: 'custom' }>['custom']['format']>): Item {
  if (format.type !== 'grammar') return format;
  const { grammar, ...rest } = format;
  return { ...rest, syntax: grammar.syntax, definition: grammar.definition };
}

function responsesToolChoice(choice: NonNullable<ChatRequest['tool_choice']>): unknown {
  if (typeof choice === 'string') return choice;
  switch (choice.type) {
    case 'function':
      return { type: 'function', name: choice.function.name };
    case 'custom':
      return { type: 'custom', name: choice.custom.name };
    case 'allowed_tools': {
      const { mode, tools } = choice.allowed_tools;
      return { type: 'allowed_tools', mode, tools: tools.map(namedTool) };
    }
  }
}

/** An allowed_tools entry (`{type, function: {name}}` in chat) as Responses names it. */
function namedTool(entry: Record<string, unknown>): Record<string, unknown> {
  const inner = entry[String(entry.type)];
  const name = typeof inner === 'object' && inner !== null ? (inner as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? { type: entry.type, name } : entry;
}

function textConfig(request: ChatRequest): Item | undefined {
  const text: Item = {};
  const format = request.response_format;
  if (format?.type === 'json_schema') {
    const { name, schema, strict, description } = format.json_schema;
    text.format = {
      type: 'json_schema',
      name,
      schema: schema ?? {},
      ...(strict != null ? { strict } : {}),
      ...(description !== undefined ? { description } : {}),
    };
  } else if (format) text.format = { type: format.type };
  const verbosity = (request as { verbosity?: unknown }).verbosity;
  if (verbosity != null) text.verbosity = verbosity;
  return Object.keys(text).length > 0 ? text : undefined;
}
