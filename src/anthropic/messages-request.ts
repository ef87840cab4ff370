// POST /v1/messages → the chat-completions body the gateway's chat pipeline serves. Anthropic's
// blocks become chat's parts and turns: tool_use blocks an assistant's tool_calls, tool_result
// blocks tool messages (placed before the rest of their user turn, as chat orders them), thinking
// blocks the assistant's `thinking_blocks` (src/providers/thinking.ts). A request with Anthropic's
// server or typed tools, or their blocks, goes to Anthropic as it is (messages-native.ts); what else
// has no chat form (URL documents, other blocks) is refused with a 400 naming it.
import { invalidRequest, shownValue } from '../errors';
import { checked, validateBody } from '../openai/read-body';
import { isPacked, unpackBlocks } from '../openai/responses-reasoning';
import { placed } from '../providers/thinking-order';
import type { NativeRequest } from '../routes/native-request';
import { CACHE_CONTROL, flagsError, IS_ERROR, marksCache } from './claude-fields';
import { nativeRequest } from './messages-native';
import {
  type ContentBlock,
  contentBlocks,
  customTool,
  type MediaBlock,
  type MessagesRequest,
  messagesRequest,
} from './messages-schema';
import { chatToolName, clientToolNames } from './messages-tool-names';

type Json = Record<string, unknown>;

/** Messages fields the translation consumes; every other top-level field goes into the chat body as sent. */
const CONSUMED = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'metadata',
  'stream',
  'thinking',
  'service_tier',
]);

/**
 * The Messages API's own parameters that only Claude takes as they are: its thinking and effort
 * settings (Claude Code sends `thinking` with every request), context editing, and structured
 * outputs (`output_config.format`, the beta's `output_format`). Claude gets them; any other model
 * (OpenAI's, Gemini…, which refuse fields they do not know) gets the request without them and
 * reasons and keeps context its own way — and gets a structured output's schema as chat's
 * `response_format` (claude-fields.ts). (`top_k` is not among them: Gemini, Workers AI and others
 * sample by it.)
 */
const CLAUDE_ONLY = ['thinking', 'context_management', 'output_config', 'output_format'] as const;

/** The Messages body, validated, and the chat-completions body it stands for. */
export interface Translated {
  request: MessagesRequest;
  chat: Json;
  /** The chat body's fields only Claude takes (CLAUDE_ONLY): left out for other models. */
  claudeOnly: string[];
  /** A request with Anthropic's own tools: served as it is by Anthropic's API (messages-native.ts). */
  native?: NativeRequest;
}

export function translateRequest(value: unknown): Translated {
  const request = validateBody(messagesRequest, value);
  return nativeRequest(request, chatBody) ?? chatBody(request);
}

/** The chat-completions body a (checked) Messages request stands for. */
function chatBody(request: MessagesRequest): Translated {
  const body = request as Json;
  const messages: Json[] = [];
  if (typeof request.system === 'string') {
    if (request.system !== '') messages.push({ role: 'system', content: request.system });
  } else if (request.system?.length)
    messages.push({ role: 'system', content: request.system.map((block) => textPart(block)) });
  for (const [index, message] of request.messages.entries()) {
    const blocks =
      typeof message.content === 'string'
        ? message.content
        : message.content.map((raw, j) => block(raw, ['messages', index, 'content', j]));
    if (message.role === 'assistant') messages.push(assistantTurn(blocks, index));
    else if (message.role === 'system') messages.push(systemTurn(blocks, index));
    else messages.push(...userTurn(blocks, index));
  }

  const chat: Json = {};
  for (const [key, field] of Object.entries(body)) if (!CONSUMED.has(key)) chat[key] = field;
  chat.model = request.model;
  chat.messages = messages;
  chat.max_completion_tokens = request.max_tokens;
  if (request.tools?.length) {
    chat.tools = request.tools.map((tool, index) => chatTool(tool, index));
    clientToolNames(request.tools); // refuses names shortened alike
  }
  const choice = request.tool_choice;
  if (choice) {
    chat.tool_choice =
      choice.type === 'tool'
        ? { type: 'function', function: { name: chatToolName(choice.name) } }
        : { auto: 'auto', any: 'required', none: 'none' }[choice.type];
    // Only with tools: chat refuses parallel_tool_calls without them.
    if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true && chat.tools)
      chat.parallel_tool_calls = false;
  }
  if (request.stop_sequences?.length) chat.stop = request.stop_sequences;
  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  // Native parameters, forwarded as they are: the Anthropic adapter (and Bedrock's Claude) reads
  // them, the others drop or refuse them by their own policy (src/providers/params.ts).
  if (request.top_k != null) chat.top_k = request.top_k;
  if (request.thinking != null) chat.thinking = request.thinking;
  if (request.metadata?.user_id != null) chat.user = request.metadata.user_id;
  // Anthropic's 'standard_only' is OpenAI's 'default' tier; 'auto' is the same word in both.
  if (request.service_tier != null)
    chat.service_tier = request.service_tier === 'standard_only' ? 'default' : 'auto';
  if (request.stream === true) {
    chat.stream = true;
    // message_delta carries the usage: the chat stream must report it.
    chat.stream_options = { include_usage: true };
  }
  const claudeOnly: string[] = CLAUDE_ONLY.filter((field) => chat[field] != null);
  if (marksCache(messages)) claudeOnly.push(CACHE_CONTROL);
  if (flagsError(messages)) claudeOnly.push(IS_ERROR);
  return { request, chat, claudeOnly };
}

/** Content block `at`, checked by its type's schema; a type the gateway cannot translate is named. */
function block(raw: Json, at: (string | number)[]): ContentBlock {
  const type = raw.type;
  if (typeof type === 'string' && Object.hasOwn(contentBlocks, type))
    return checked(contentBlocks[type as keyof typeof contentBlocks], raw, at);
  const param = `${at[0]}[${at[1]}].${at[2]}[${at[3]}].type`;
  throw invalidRequest(
    `Invalid '${param}': '${shownValue(type)}' blocks are not supported by the gateway (text, image, document, tool_use, tool_result, thinking and redacted_thinking are).`,
    param,
  );
}

function textPart(block: { text: string; cache_control?: unknown }): Json {
  // cache_control is kept: the Anthropic adapter sends it on (src/providers/anthropic-request.ts).
  return block.cache_control
    ? { type: 'text', text: block.text, cache_control: block.cache_control }
    : { type: 'text', text: block.text };
}

/** An image or a document as a chat part: a data: URL for base64, the URL itself for an image URL. */
function mediaPart(block: MediaBlock, param: string): Json {
  return withCache(mediaBody(block, param), block);
}

function mediaBody(block: MediaBlock, param: string): Json {
  const source = block.source;
  if (block.type === 'image')
    return {
      type: 'image_url',
      image_url: {
        url: source.type === 'url' ? source.url : `data:${source.media_type};base64,${source.data}`,
      },
    };
  if (source.type === 'text') return { type: 'text', text: source.data };
  if (source.type === 'url')
    throw invalidRequest(
      `Invalid '${param}': documents by URL are not supported by the gateway; send the PDF as base64.`,
      param,
    );
  const file: Json = { file_data: `data:${source.media_type};base64,${source.data}` };
  if (block.title) file.filename = block.title;
  return { type: 'file', file };
}

/** A block's cache_control on its chat part: the Anthropic adapter keeps it on image and file parts too. */
function withCache(part: Json, block: Json): Json {
  return block.cache_control ? { ...part, cache_control: block.cache_control } : part;
}

/**
 * A tool_result's cache_control on the last part of its tool message (chat has no place for it on
 * the message): the Anthropic adapter keeps it there, inside the tool_result it sends. Claude Code
 * marks the last block of its last turn, in a tool loop a tool_result: dropped, every turn of the
 * loop would write the prompt cache anew and read none of it.
 */
function cachedResult(content: string | Json[], cache: unknown): string | Json[] {
  if (!cache) return content;
  const parts =
    typeof content === 'string' ? (content === '' ? [] : [{ type: 'text', text: content }]) : content;
  const last = parts.at(-1);
  return last ? [...parts.slice(0, -1), { ...last, cache_control: cache }] : content;
}

function userTurn(content: string | ContentBlock[], index: number): Json[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const tools: Json[] = [];
  const parts: Json[] = [];
  for (const [j, block] of content.entries()) {
    const param = `messages[${index}].content[${j}]`;
    switch (block.type) {
      case 'text':
        parts.push(textPart(block));
        break;
      case 'image':
      case 'document':
        parts.push(mediaPart(block, param));
        break;
      case 'tool_result': {
        const said =
          block.content == null
            ? ''
            : typeof block.content === 'string'
              ? block.content
              : block.content.map((inner) =>
                  inner.type === 'text' ? textPart(inner) : mediaPart(inner, param),
                );
        // Chat has no is_error: the tool message carries Anthropic's flag, which Claude takes as it
        // is; any other model is told in words instead (claude-fields.ts).
        const result: Json = {
          role: 'tool',
          tool_call_id: block.tool_use_id,
          content: cachedResult(said, block.cache_control),
        };
        if (block.is_error === true) result[IS_ERROR] = true;
        tools.push(result);
        break;
      }
      default:
        throw invalidRequest(
          `Invalid '${param}.type': '${block.type}' blocks belong in assistant turns.`,
          `${param}.type`,
        );
    }
  }
  // Tool results answer the assistant turn just before: chat wants them right after it.
  return parts.length > 0 ? [...tools, { role: 'user', content: parts }] : tools;
}

/**
 * A system message in the conversation as chat's system message where it stands: the Anthropic
 * adapter keeps it there (src/providers/anthropic-request.ts), other models read it as chat does.
 */
function systemTurn(content: string | ContentBlock[], index: number): Json {
  if (typeof content === 'string') return { role: 'system', content };
  const parts = content.map((block, j) => {
    if (block.type === 'text') return textPart(block);
    const param = `messages[${index}].content[${j}].type`;
    throw invalidRequest(`Invalid '${param}': a system message holds text blocks only.`, param);
  });
  return { role: 'system', content: parts };
}

function assistantTurn(content: string | ContentBlock[], index: number): Json {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  const calls: Json[] = [];
  const thinking: Json[] = [];
  let reasoning = '';
  for (const [j, block] of content.entries()) {
    switch (block.type) {
      case 'text':
        text += block.text;
        break;
      case 'tool_use':
        calls.push({
          id: block.id,
          type: 'function',
          function: { name: chatToolName(block.name), arguments: JSON.stringify(block.input) },
        });
        break;
      case 'thinking':
        // Unsigned: reasoning the gateway gave without a signature — another provider's, such as
        // DeepSeek's, which goes back as chat's reasoning_content (DeepSeek refuses a tool loop's
        // next turn without it), or blocks that streamed run together, whose signed copies follow.
        // Anthropic refuses an unsigned block: it never goes back as one.
        if (block.signature !== '') {
          const signed = { type: 'thinking', thinking: block.thinking, signature: block.signature };
          thinking.push(placed(signed, text.length, calls.length));
        } else reasoning += block.thinking;
        break;
      case 'redacted_thinking':
        // OpenAI's encrypted reasoning the gateway packed (messages-answer.ts) goes back as itself;
        // a packing altered on the way goes nowhere (Anthropic could not read it either).
        if (isPacked(block.data)) thinking.push(...(unpackBlocks(block.data) ?? []).map((b) => ({ ...b })));
        else
          thinking.push(placed({ type: 'redacted_thinking', data: block.data }, text.length, calls.length));
        break;
      default: {
        const param = `messages[${index}].content[${j}].type`;
        throw invalidRequest(`Invalid '${param}': '${block.type}' blocks belong in user turns.`, param);
      }
    }
  }
  const turn: Json = { role: 'assistant', content: calls.length > 0 && text === '' ? null : text };
  if (calls.length > 0) turn.tool_calls = calls;
  if (thinking.length > 0) turn.thinking_blocks = thinking;
  if (reasoning !== '') turn.reasoning_content = reasoning;
  return turn;
}

/** A custom tool as chat's function tool; Anthropic's typed tools never get here (messages-native.ts). */
function chatTool(tool: Json, index: number): Json {
  const { name, description, input_schema } = checked(customTool, tool, ['tools', index]);
  const fn: Json = { name: chatToolName(name), parameters: input_schema };
  if (description != null) fn.description = description;
  return { type: 'function', function: fn };
}
