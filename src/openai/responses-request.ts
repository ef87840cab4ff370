// POST /v1/responses → the chat-completions body the gateway's chat pipeline serves. The whole
// conversation is in `input`, a previous_response_id's resolved into it already
// (src/responses-store/continuation.ts), as a conversation's items are; what needs state the gateway
// does not keep (background responses, stored prompts) is refused with a 400 naming it; a request with OpenAI's
// hosted tools goes to OpenAI's Responses API as it is (responses-hosted.ts).
// Function and custom tools (free text or a grammar's sentence: Codex's apply_patch), alone or in a
// namespace (responses-namespaces.ts), translate to chat's (responses-tools.ts), and their calls and
// outputs sent back to chat's tool calls and tool messages (responses-input.ts, which turns every
// input item into chat messages).
import { invalidRequest } from '../errors';
import type { NativeRequest } from '../routes/native-request';
import { checkInclude } from './includable';
import { validateBody } from './read-body';
import { hostedRequest } from './responses-hosted';
import { imagesById, item, Turns } from './responses-input';
import { type FlatTool, flatTools, toolPlaces } from './responses-namespaces';
import { type ResponsesRequest, responsesRequest } from './responses-schema';
import { chatTool, chatToolChoice, inferredStrictTools } from './responses-tools';

type Json = Record<string, unknown>;

/** Responses fields the translation consumes; every other top-level field goes into the chat body as sent. */
const CONSUMED = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'top_logprobs',
  'text',
  'reasoning',
  'metadata',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'service_tier',
  'stream',
  'stream_options',
  // Never sent on: the gateway stores the answer itself (store; src/responses-store/keeping.ts); of
  // the extra output `include` asks for (its values checked, includable.ts), only logprobs is chat's
  // to give (chatBody) — the others are hosted tools' (their requests go as sent) or given anyway
  // (a reasoning item's encrypted_content); the conversation is never truncated ('disabled';
  // 'auto' is refused below).
  'store',
  // Its items are in the input already (continuation.ts); appended to after the answer (keeping.ts).
  'conversation',
  'include',
  'truncation',
  'background',
  // Codex's own data for OpenAI's servers (its installation id, turn state): nothing the model reads,
  // and an unknown field that chat providers refuse (OpenAI: "Unrecognized request argument").
  'client_metadata',
]);

/** The `include` entry that asks for the answer text's token logprobs. */
const LOGPROBS_INCLUDE = 'message.output_text.logprobs';

/**
 * Parameters that need state OpenAI keeps between requests and the gateway does not. A
 * previous_response_id is resolved before translation, so one here was never resolved.
 */
const STATEFUL = ['previous_response_id', 'prompt'] as const;

/** The Responses body, validated, and the chat-completions body it stands for. */
export interface Translated {
  request: ResponsesRequest;
  chat: Json;
  /** A request with OpenAI's hosted tools: served as it is by OpenAI's Responses API (responses-hosted.ts). */
  native?: NativeRequest;
  /** The `detail` of each image sent by file_id, a file part in the chat body (imagesById). */
  imagesById?: readonly (string | null | undefined)[];
  /** Function tools OpenAI's Responses API would make strict (ChatCall.strictTools). */
  strictTools?: readonly string[];
  /** Where the client put each chat tool, when a namespace moved any (AppEnv's toolPlaces). */
  toolPlaces?: readonly string[];
}

export function translateRequest(value: unknown): Translated {
  const request = validateBody(responsesRequest, value);
  checkInclude(request.include ?? []);
  const body = request as Json;
  for (const param of STATEFUL) if (body[param] != null) throw stateless(param);
  if (request.background === true) throw stateless('background');
  if (request.truncation === 'auto')
    throw invalidRequest(
      "truncation 'auto' is not supported: the gateway never drops conversation items; send what fits, or 'disabled'.",
      'truncation',
      'unsupported_parameter',
    );
  // Sent as it is, a native request's tools are where the client put them, strict as OpenAI makes
  // them; only scanned, its namespaces may share tool names (flatTools).
  const translated =
    hostedRequest(request, (scanned) => chatBody(scanned, false).chat) ?? translatedHere(request);
  const images = imagesById(request.input);
  return { ...translated, ...(images.length > 0 ? { imagesById: images } : {}) };
}

/** A request the gateway serves through chat: its chat body, and what its tools tell of it. */
function translatedHere(request: ResponsesRequest): Translated {
  const { chat, tools } = chatBody(request);
  const strictTools = inferredStrictTools(tools.map(({ tool }) => tool));
  const places = toolPlaces(tools);
  return {
    request,
    chat,
    ...(strictTools.length > 0 ? { strictTools } : {}),
    ...(places ? { toolPlaces: places } : {}),
  };
}

/**
 * The chat-completions body a (stateless, checked) Responses request stands for, and its tools as
 * chat gets them (flatTools); `distinctTools`: their names must tell them apart.
 */
function chatBody(request: ResponsesRequest, distinctTools = true): { chat: Json; tools: FlatTool[] } {
  const body = request as Json;
  const messages: Json[] = [];
  if (request.instructions) messages.push({ role: 'system', content: request.instructions });
  if (typeof request.input === 'string') messages.push({ role: 'user', content: request.input });
  else {
    const turns = new Turns(messages);
    for (const [index, raw] of request.input.entries()) {
      // An image the model made, sent back as this gateway returned it (responses-answer.ts): its
      // assistant turn's `images` again, which the translations give the model back.
      if (raw.type === 'image_generation_call') turns.image(raw.result);
      else turns.add(item(raw, index), index);
    }
    turns.finish();
  }
  if (messages.length === 0)
    throw invalidRequest("Invalid 'input': it must hold at least one message.", 'input');

  const chat: Json = {};
  for (const [key, field] of Object.entries(body)) if (!CONSUMED.has(key)) chat[key] = field;
  chat.model = request.model;
  chat.messages = messages;
  const tools = flatTools(request.tools ?? [], distinctTools);
  if (request.tools?.length) chat.tools = tools.map(({ tool, at }) => chatTool(tool, at));
  // Only with tools: chat refuses these without them (OpenAI: "only allowed when 'tools' are
  // specified"; Bedrock and Cohere refuse parallel_tool_calls false), where the Responses API takes
  // them anyway — Codex sends `tools: []` with `tool_choice: "auto"`. Without tools, `auto` and
  // `none` mean what no tool_choice means; a choice that demands a call is sent on, to be refused.
  const choice = request.tool_choice;
  if (choice != null && (chat.tools || (choice !== 'auto' && choice !== 'none')))
    chat.tool_choice = chatToolChoice(choice);
  if (chat.tools) copy(request, chat, 'parallel_tool_calls');
  copy(request, chat, 'temperature');
  copy(request, chat, 'top_p');
  copy(request, chat, 'metadata');
  copy(request, chat, 'user');
  copy(request, chat, 'safety_identifier');
  copy(request, chat, 'prompt_cache_key');
  copy(request, chat, 'service_tier');
  if (request.max_output_tokens != null) chat.max_completion_tokens = request.max_output_tokens;
  // The Responses API returns logprobs only when `include` asks for them; top_logprobs is how many
  // alternatives each token then lists. Without it, a top_logprobs (an SDK's default 0) asks for
  // nothing, and chat's logprobs stay off (GPT-6 refuses them while it reasons).
  if (request.include?.includes(LOGPROBS_INCLUDE)) {
    chat.logprobs = true;
    copy(request, chat, 'top_logprobs');
  }
  if (request.reasoning?.effort != null) chat.reasoning_effort = request.reasoning.effort;
  const format = request.text?.format;
  if (format != null) chat.response_format = responseFormat(format);
  if (request.text?.verbosity != null) chat.verbosity = request.text.verbosity;
  if (request.stream === true) {
    chat.stream = true;
    // The closing response.completed event carries usage: the chat stream must report it.
    chat.stream_options = { include_usage: true };
  }
  return { chat, tools };
}

/**
 * A chat body's field, as an error names it, as the Responses request named it: the fields the
 * translation renamed or moved (chatBody); `messages[…]` is somewhere in `input` (or
 * `instructions`), one item becoming one message or none. Any other field keeps its name.
 */
export function responsesParam(param: string): string {
  const [head = '', ...rest] = param.split(/(?=[.[])/);
  const tail = rest.join('');
  switch (head) {
    case 'max_completion_tokens':
    case 'max_tokens':
      return 'max_output_tokens';
    case 'reasoning_effort':
      return 'reasoning.effort';
    case 'logprobs':
      return 'include';
    case 'verbosity':
      return 'text.verbosity';
    case 'response_format':
      return `text.format${tail.replace(/^\.json_schema(?=\.|$)/, '')}`;
    case 'messages':
      return 'input';
    case 'tools':
    case 'tool_choice':
      // Chat nests a tool's fields in `function` (or `custom`); Responses' tools are flat.
      return `${head}${tail.replace(/^(\[\d+\])?\.(?:function|custom)(?=\.|$)/, '$1')}`;
    default:
      return param;
  }
}

function stateless(param: string) {
  return invalidRequest(
    `'${param}' is not supported: the gateway stores responses and conversations but no background responses or prompts; send the conversation in 'input'.`,
    param,
    'unsupported_parameter',
  );
}

function copy(from: ResponsesRequest, to: Json, key: keyof ResponsesRequest): void {
  if (from[key] != null) to[key] = from[key];
}

function responseFormat(format: NonNullable<NonNullable<ResponsesRequest['text']>['format']>): Json {
  if (format.type !== 'json_schema') return { type: format.type };
  const { type: _type, name, schema, strict, description, ...rest } = format;
  const spec: Json = { ...rest, name, schema };
  if (strict != null) spec.strict = strict;
  if (description != null) spec.description = description;
  return { type: 'json_schema', json_schema: spec };
}
