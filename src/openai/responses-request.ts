// POST /v1/responses → the chat-completions body the gateway's chat pipeline serves. Stateless: the
// whole conversation is in `input`; what needs OpenAI's stored state (previous_response_id,
// conversation, background, stored prompts) is refused with a 400 naming it; a request with OpenAI's
// hosted tools goes to OpenAI's Responses API as it is (responses-hosted.ts).
// Function and custom tools (free text or a grammar's sentence: Codex's apply_patch) translate to
// chat's, and their calls and outputs sent back to chat's tool calls and tool messages.
import type { z } from 'zod';
import { invalidRequest } from '../errors';
import { type ReasoningBlock, sendable } from '../providers/thinking';
import type { NativeRequest } from '../routes/native-request';
import { paramPath, validateBody } from './read-body';
import { hostedRequest } from './responses-hosted';
import { unpackReasoning } from './responses-reasoning';
import {
  customTool,
  functionTool,
  type InputItem,
  type InputPart,
  inputItems,
  type ResponsesCustomTool,
  type ResponsesRequest,
  responsesRequest,
} from './responses-schema';

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
  // Accepted and ignored: nothing is stored (store), no extra output exists to include (include),
  // and the conversation is never truncated ('disabled'; 'auto' is refused below).
  'store',
  'include',
  'truncation',
  'background',
  // Codex's own data for OpenAI's servers (its installation id, turn state): nothing the model reads,
  // and an unknown field that chat providers refuse (OpenAI: "Unrecognized request argument").
  'client_metadata',
]);

/** Parameters that need state OpenAI keeps between requests; the gateway keeps none. */
const STATEFUL = ['previous_response_id', 'conversation', 'prompt'] as const;

/** The Responses body, validated, and the chat-completions body it stands for. */
export interface Translated {
  request: ResponsesRequest;
  chat: Json;
  /** A request with OpenAI's hosted tools: served as it is by OpenAI's Responses API (responses-hosted.ts). */
  native?: NativeRequest;
}

export function translateRequest(value: unknown): Translated {
  const request = validateBody(responsesRequest, value);
  const body = request as Json;
  for (const param of STATEFUL) if (body[param] != null) throw stateless(param);
  if (request.background === true) throw stateless('background');
  if (request.truncation === 'auto')
    throw invalidRequest(
      "truncation 'auto' is not supported: the gateway never drops conversation items; send what fits, or 'disabled'.",
      'truncation',
    );
  const native = hostedRequest(request, chatBody);
  if (native) return native;
  return { request, chat: chatBody(request) };
}

/** The chat-completions body a (stateless, checked) Responses request stands for. */
function chatBody(request: ResponsesRequest): Json {
  const body = request as Json;
  const messages: Json[] = [];
  if (request.instructions) messages.push({ role: 'system', content: request.instructions });
  if (typeof request.input === 'string') messages.push({ role: 'user', content: request.input });
  else {
    const turns = new Turns(messages);
    for (const [index, raw] of request.input.entries()) turns.add(item(raw, index), index);
  }
  if (messages.length === 0)
    throw invalidRequest("Invalid 'input': it must hold at least one message.", 'input');

  const chat: Json = {};
  for (const [key, field] of Object.entries(body)) if (!CONSUMED.has(key)) chat[key] = field;
  chat.model = request.model;
  chat.messages = messages;
  if (request.tools?.length) chat.tools = request.tools.map((tool, index) => chatTool(tool, index));
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
  if (request.top_logprobs != null) {
    chat.logprobs = true;
    chat.top_logprobs = request.top_logprobs;
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
  return chat;
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
      return 'top_logprobs';
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
    `'${param}' is not supported: the gateway is stateless and stores no responses, conversations or prompts; send the whole conversation in 'input'.`,
    param,
    'unsupported_parameter',
  );
}

function copy(from: ResponsesRequest, to: Json, key: keyof ResponsesRequest): void {
  if (from[key] != null) to[key] = from[key];
}

/** `value` checked against `schema`, or a 400 whose param is where it sits in the body. */
export function checked<S extends z.ZodType>(schema: S, value: unknown, at: (string | number)[]): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const { path, message } = issue ? innermost(issue) : { path: [], message: 'invalid value' };
  const param = paramPath([...at, ...path]);
  throw invalidRequest(`Invalid '${param}': ${message}`, param);
}

/**
 * A union's failure told where it happened: the option that got furthest (string-or-parts content
 * whose third part has an unknown type is that part's `type`, not "Invalid input" at `content`).
 */
function innermost(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0)
    return { path: [...issue.path], message: issue.message };
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && (!best || first.path.length > best.path.length)) best = first;
  }
  if (!best) return { path: [...issue.path], message: issue.message };
  const inner = innermost(best);
  return { path: [...issue.path, ...inner.path], message: inner.message };
}

/** Input item `index`, checked by its type's schema; a type the gateway cannot translate is named. */
function item(raw: Json, index: number): InputItem {
  const type = raw.type ?? 'message';
  const schema =
    typeof type === 'string' && Object.hasOwn(inputItems, type)
      ? inputItems[type as keyof typeof inputItems]
      : undefined;
  if (schema) return checked(schema, raw, ['input', index]);
  const param = `input[${index}].type`;
  throw invalidRequest(
    type === 'item_reference'
      ? `Invalid '${param}': item references need stored items; the gateway is stateless, send the item itself (the AI SDK does with providerOptions.openai.store false).`
      : `Invalid '${param}': '${String(type)}' items are not supported by the gateway (${Object.keys(inputItems).join(', ')} are).`,
    param,
  );
}

/**
 * Input items → chat messages. A reasoning item's thinking joins the assistant turn it belongs to:
 * the one just before it (clients that keep items in the order their streams finished them put it
 * after the turn's message), or else the next one (OpenAI's order: reasoning first).
 */
class Turns {
  /** Thinking of a reasoning item waiting for its assistant turn. */
  private pending: ReasoningBlock[] = [];

  constructor(private readonly messages: Json[]) {}

  add(item: InputItem, index: number): void {
    const { messages } = this;
    if (item.type === 'reasoning') {
      const blocks = unpackReasoning(item.encrypted_content, index);
      const last = messages.at(-1);
      if (last?.role === 'assistant') withThinking(last, blocks);
      else this.pending.push(...blocks);
      return;
    }
    if (item.type === 'function_call' || item.type === 'custom_tool_call') {
      const call =
        item.type === 'function_call'
          ? { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } }
          : { id: item.call_id, type: 'custom', custom: { name: item.name, input: item.input } };
      // Consecutive calls (and the text of the turn just before them) are one assistant turn in chat.
      const last = messages.at(-1);
      if (last?.role === 'assistant') {
        last.tool_calls = [...((last.tool_calls as unknown[] | undefined) ?? []), call];
        if (last.content === '') last.content = null;
      } else this.assistant({ role: 'assistant', content: null, tool_calls: [call] });
      return;
    }
    // Thinking with no assistant turn after it (a user message came first) belongs to none. A
    // message may leave out its type (the AI SDK's assistant messages do): its role says what it is.
    this.pending = 'role' in item && item.role === 'assistant' ? this.pending : [];
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      const content =
        typeof item.output === 'string' ? item.output : item.output.map((part) => chatPart(part));
      messages.push({ role: 'tool', tool_call_id: item.call_id, content });
      return;
    }
    if (item.role === 'assistant') {
      this.assistant(assistantTurn(item.content));
      return;
    }
    const content =
      typeof item.content === 'string' ? item.content : item.content.map((part) => chatPart(part));
    messages.push({ role: item.role, content });
  }

  private assistant(turn: Json): void {
    withThinking(turn, this.pending);
    this.pending = [];
    this.messages.push(turn);
  }
}

/**
 * `blocks` added to an assistant turn: signed and redacted ones to its `thinking_blocks` (which go
 * to the provider first), unsigned text to its `reasoning_content` (DeepSeek's own field).
 */
function withThinking(turn: Json, blocks: ReasoningBlock[]): void {
  const signed = blocks.filter(sendable);
  if (signed.length > 0)
    turn.thinking_blocks = [...((turn.thinking_blocks as ReasoningBlock[] | undefined) ?? []), ...signed];
  const text = blocks
    .map((block) => (sendable(block) || block.type !== 'thinking' ? '' : block.thinking))
    .join('');
  if (text !== '')
    turn.reasoning_content = `${typeof turn.reasoning_content === 'string' ? turn.reasoning_content : ''}${text}`;
}

/** An assistant turn sent back: its text as the content, a refusal as chat's `refusal`. */
function assistantTurn(content: string | InputPart[]): Json {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  let refusal: string | undefined;
  for (const part of content) {
    if (part.type === 'refusal') refusal = (refusal ?? '') + part.refusal;
    else if (part.type === 'output_text' || part.type === 'input_text') text += part.text;
  }
  return refusal === undefined
    ? { role: 'assistant', content: text }
    : { role: 'assistant', content: text, refusal };
}

function chatPart(part: InputPart): Json {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text };
    case 'refusal':
      return { type: 'text', text: part.refusal };
    case 'input_image':
      if (part.image_url)
        return {
          type: 'image_url',
          image_url: { url: part.image_url, ...(part.detail ? { detail: chatDetail(part.detail) } : {}) },
        };
      // Chat takes an uploaded file by id only as a `file` part.
      if (part.file_id) return { type: 'file', file: { file_id: part.file_id } };
      throw invalidRequest('An input_image needs an image_url or a file_id.', 'input');
    case 'input_file': {
      const file: Json = {};
      if (part.file_id) file.file_id = part.file_id;
      if (part.file_data != null) file.file_data = part.file_data;
      if (part.filename != null) file.filename = part.filename;
      if (!file.file_id && file.file_data === undefined)
        throw invalidRequest(
          'An input_file needs file_data or a file_id (file_url is not supported).',
          'input',
        );
      return { type: 'file', file };
    }
  }
}

function chatTool(tool: Json, index: number): Json {
  if (tool.type === 'custom') return chatCustomTool(checked(customTool, tool, ['tools', index]));
  if (tool.type !== 'function') {
    const param = `tools[${index}].type`;
    throw invalidRequest(
      `Invalid '${param}': the gateway serves function and custom tools only; '${String(tool.type)}' is one of OpenAI's hosted or built-in tools.`,
      param,
    );
  }
  const {
    type: _type,
    name,
    description,
    parameters,
    strict,
    ...rest
  } = checked(functionTool, tool, ['tools', index]);
  const fn: Json = { ...rest, name };
  if (description != null) fn.description = description;
  if (parameters != null) fn.parameters = parameters;
  if (strict != null) fn.strict = strict;
  return { type: 'function', function: fn };
}

/**
 * A custom tool in chat's words: the same tool nested under `custom`, its grammar's syntax and
 * definition under `format.grammar`. Chat serves it as OpenAI does; other providers refuse it as
 * something they cannot do (function-tools.ts), so the route's next target is tried.
 */
function chatCustomTool(tool: ResponsesCustomTool): Json {
  const { type: _type, name, description, format, ...rest } = tool;
  const custom: Json = { ...rest, name };
  if (description != null) custom.description = description;
  if (format?.type === 'grammar') {
    const { type: _grammar, syntax, definition, ...more } = format;
    custom.format = { ...more, type: 'grammar', grammar: { definition, syntax } };
  } else if (format != null) custom.format = format;
  return { type: 'custom', custom };
}

/** tool_choice in chat's words: a named tool nests its name, allowed_tools its mode and tools. */
function chatToolChoice(choice: NonNullable<ResponsesRequest['tool_choice']>): Json | string {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', function: { name: choice.name } };
  if (choice.type === 'custom') return { type: 'custom', custom: { name: choice.name } };
  if (!isAllowedTools(choice))
    throw invalidRequest(
      `Invalid 'tool_choice.type': '${choice.type}' chooses one of OpenAI's hosted tools, and 'tools' offers none.`,
      'tool_choice.type',
    );
  const tools = choice.tools.map((tool, index) => {
    const name = typeof tool.name === 'string' ? tool.name : undefined;
    if ((tool.type !== 'function' && tool.type !== 'custom') || !name) {
      const param = `tool_choice.tools[${index}]`;
      throw invalidRequest(
        `Invalid '${param}': allowed_tools may name function and custom tools only, each as {type, name}.`,
        param,
      );
    }
    return tool.type === 'function'
      ? { type: 'function', function: { name } }
      : { type: 'custom', custom: { name } };
  });
  return { type: 'allowed_tools', allowed_tools: { mode: choice.mode, tools } };
}

type ToolChoice = Exclude<NonNullable<ResponsesRequest['tool_choice']>, string>;

function isAllowedTools(choice: ToolChoice): choice is Extract<ToolChoice, { mode: unknown }> {
  return choice.type === 'allowed_tools';
}

function responseFormat(format: NonNullable<NonNullable<ResponsesRequest['text']>['format']>): Json {
  if (format.type !== 'json_schema') return { type: format.type };
  const { type: _type, name, schema, strict, description, ...rest } = format;
  const spec: Json = { ...rest, name, schema };
  if (strict != null) spec.strict = strict;
  if (description != null) spec.description = description;
  return { type: 'json_schema', json_schema: spec };
}

/** Chat's image detail for a Responses one: `original` has none, and `high` is the nearest. */
function chatDetail(detail: 'auto' | 'low' | 'high' | 'original'): 'auto' | 'low' | 'high' {
  return detail === 'original' ? 'high' : detail;
}
