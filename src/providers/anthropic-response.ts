// Anthropic Messages answers → OpenAI: the JSON message, the SSE stream (incrementally), errors.
import type { EventSourceMessage } from 'eventsource-parser';
import { z } from 'zod';
import { JSON_TOOL } from './anthropic-tools';
import { assistantChoice, chatCompletion } from './chat-completion';
import {
  type FinishReason,
  type OpenAIStreamWriter,
  parseEventData,
  translateSSE,
} from './openai-stream-writer';
import { type ThinkingBlock, withThinking } from './thinking';
import { placed } from './thinking-order';
import {
  type ChatCompletion,
  failureForStatus,
  UpstreamError,
  type UpstreamFailure,
  type Usage,
} from './types';

const usageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  /** The writes by cache lifetime: 1-hour writes cost more than 5-minute ones. */
  cache_creation: z.looseObject({ ephemeral_1h_input_tokens: z.number().nullish() }).nullish(),
  /** Server tools' calls (web searches are billed per call, apart from tokens). */
  server_tool_use: z.looseObject({ web_search_requests: z.number().nullish() }).nullish(),
});
type AnthropicUsage = z.infer<typeof usageSchema>;

const blockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
  thinking: z.string().optional(),
  signature: z.string().optional(),
  data: z.string().optional(),
});
type AnthropicBlock = z.infer<typeof blockSchema>;

export const messageSchema = z.looseObject({
  id: z.string().optional(),
  content: z.array(blockSchema).default([]),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: usageSchema.optional(),
});

const eventSchema = z.looseObject({
  type: z.string(),
  index: z.number().int().optional(),
  message: messageSchema.optional(),
  content_block: blockSchema.optional(),
  delta: z
    .looseObject({
      type: z.string().optional(),
      text: z.string().optional(),
      partial_json: z.string().optional(),
      thinking: z.string().optional(),
      signature: z.string().optional(),
      stop_reason: z.string().nullish(),
      stop_sequence: z.string().nullish(),
    })
    .optional(),
  usage: usageSchema.optional(),
  error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }).optional(),
});

/** Anthropic error types: the failure class and the HTTP status Anthropic documents for each. */
const ERROR_TYPES: Record<string, [UpstreamFailure, number]> = {
  invalid_request_error: ['caller', 400],
  authentication_error: ['auth', 401],
  billing_error: ['auth', 402],
  permission_error: ['auth', 403],
  not_found_error: ['caller', 404],
  request_too_large: ['caller', 413],
  rate_limit_error: ['rate_limit', 429],
  api_error: ['server', 500],
  timeout_error: ['timeout', 504],
  overloaded_error: ['overloaded', 529],
};

/** One Anthropic error (HTTP answer or stream `error` event) as an UpstreamError. */
export function anthropicError(
  provider: string,
  status: number | undefined,
  type: string | undefined,
  message: string | undefined,
  retryAfterMs?: number,
): UpstreamError {
  const known = type ? ERROR_TYPES[type] : undefined;
  const httpStatus = status ?? known?.[1] ?? 500;
  // An account out of credit answers invalid_request_error: the operator's problem, not the
  // caller's: the next target is tried, and the client never reads the account's billing state.
  if (message && OUT_OF_CREDIT.test(message)) {
    return new UpstreamError(
      'auth',
      httpStatus,
      `${provider} refused the request: its account is out of credit.`,
      {
        code: 'insufficient_quota',
      },
    );
  }
  // As every adapter classifies a status: a redirect (not followed) is the operator's, not the caller's.
  const failure: UpstreamFailure = known?.[0] ?? failureForStatus(httpStatus);
  if (failure === 'caller') {
    const code = message && CONTEXT_TOO_LONG.test(message) ? 'context_length_exceeded' : null;
    return new UpstreamError(failure, httpStatus, message ?? `${provider} rejected the request.`, {
      code,
      type: 'invalid_request_error',
    });
  }
  // Provider-side failures get a generic message: upstream internals stay in the gateway.
  return new UpstreamError(
    failure,
    httpStatus,
    `${provider} answered HTTP ${httpStatus}${type ? ` (${type})` : ''}.`,
    {
      code: type ?? null,
      retryAfterMs,
    },
  );
}

const OUT_OF_CREDIT = /credit balance is too low|reached your specified API usage limits/i;
/** "prompt is too long: 208326 tokens > 200000 maximum", "input length and `max_tokens` exceed context limit: …". */
const CONTEXT_TOO_LONG = /prompt is too long|exceed context limit/i;

/**
 * The stop sequence the answer stopped on, as the extension field `stop_sequence` at the top level
 * of the chat answer (beside `choices`, as Bedrock's `additionalModelResponseFields`): chat's
 * finish_reason "stop" cannot say which one matched, and /v1/messages gives it back
 * (src/anthropic/messages-answer.ts). Chat clients ignore a field they do not know.
 */
export function stopSequenceField(
  stop: string | null | undefined,
  matched: string | null | undefined,
): { stop_sequence?: string } {
  return stop === 'stop_sequence' && matched ? { stop_sequence: matched } : {};
}

export function toUsage(usage: AnthropicUsage): Usage {
  const cached = usage.cache_read_input_tokens ?? 0;
  const created = usage.cache_creation_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + cached + created;
  const completion = usage.output_tokens ?? 0;
  const searches = usage.server_tool_use?.web_search_requests ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: {
      cached_tokens: cached,
      cache_creation_tokens: created,
      ...(usage.cache_creation?.ephemeral_1h_input_tokens
        ? { cache_creation_1h_tokens: usage.cache_creation.ephemeral_1h_input_tokens }
        : {}),
    },
    // Billed per search apart from tokens: in the fees the cost adds (pricing/tool-fees.ts).
    ...(searches > 0 ? { hosted_tools: { anthropic_web_search: searches } } : {}),
  };
}

/**
 * The prompt's part of the usage message_start reported, for the extension field `prompt_usage` of
 * the first chunk: /v1/messages gives it in its own message_start, as Anthropic does
 * (src/anthropic/messages-stream.ts), where the chat stream's usage comes only at its end. Not
 * named `usage`, which OpenAI clients take for the answer's whole usage (and may add up).
 */
function promptUsage({ prompt_tokens, prompt_tokens_details }: Usage) {
  return { prompt_tokens, prompt_tokens_details };
}

function finishReason(stop: string | null | undefined, calledTool: boolean): FinishReason {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return calledTool ? 'tool_calls' : 'stop'; // only the JSON tool: an ordinary answer
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop'; // end_turn, stop_sequence, pause_turn
  }
}

export function toCompletion(
  message: z.infer<typeof messageSchema>,
  ids: { id: string; model: string },
  jsonTool: boolean,
): ChatCompletion {
  let text = '';
  /** The JSON tool's input: the whole answer when it was called (see `held` in translateStream). */
  let json: string | undefined;
  const toolCalls: unknown[] = [];
  const thinking: ThinkingBlock[] = [];
  /** Where each thinking block stood: the text and tool calls before it (thinking-order.ts). */
  const places: [content: number, calls: number][] = [];
  for (const block of message.content) {
    const kept = thinkingBlock(block);
    if (kept) {
      thinking.push(kept);
      places.push([text.length, toolCalls.length]);
    }
    if (block.type === 'text') text += block.text ?? '';
    else if (block.type === 'tool_use' && jsonTool && block.name === JSON_TOOL)
      json = (json ?? '') + JSON.stringify(block.input ?? {});
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
    // server-tool blocks have no OpenAI counterpart
  }
  const finish = finishReason(message.stop_reason, toolCalls.length > 0);
  const choice = assistantChoice((json ?? text) || null, toolCalls, finish);
  // The JSON tool's answer is not the text the places count: its thinking goes first.
  const blocks = json === undefined ? thinking.map((block, i) => placed(block, ...places[i]!)) : thinking;
  if (thinking.length > 0) Object.assign(choice.message, withThinking(blocks));
  return {
    ...chatCompletion(ids, [choice], message.usage ? toUsage(message.usage) : undefined),
    ...stopSequenceField(message.stop_reason, message.stop_sequence),
  };
}

/**
 * A thinking block as the client must send it back (with its signature: Anthropic refuses a tool
 * loop's next request without it), or a redacted one (its encrypted `data`); others undefined.
 */
function thinkingBlock(block: AnthropicBlock): ThinkingBlock | undefined {
  if (block.type === 'thinking') {
    return { type: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' };
  }
  if (block.type === 'redacted_thinking') return { type: 'redacted_thinking', data: block.data ?? '' };
  return undefined;
}

/** JSON mode: text held back past this is no preamble to a JSON tool call but the answer. */
const PREAMBLE_CHARS = 400;

type BlockKind =
  | { kind: 'text' }
  | { kind: 'json'; sentInput: boolean }
  | { kind: 'tool'; index: number; sentArguments: boolean }
  | { kind: 'thinking'; thinking: string; signature: string; content: number; calls: number }
  | { kind: 'redacted' }
  | { kind: 'other' };

/**
 * Anthropic SSE → OpenAI chunks, one provider event at a time. `asSigned`: each thinking block goes
 * out as it completes (ChatCall.thinkingAsSigned), else all together before the finish. `carry`:
 * each upstream event also goes out whole (OpenAIStreamWriter.carry) for a client served Anthropic's
 * own stream (ChatCall.native); those before the first content block are held, so that a failure
 * before it still fails the attempt over, and any content block (a server tool's call too) starts.
 */
export function translateStream(
  provider: string,
  upstream: ReadableStream<Uint8Array>,
  writer: OpenAIStreamWriter,
  jsonTool: boolean,
  asSigned = false,
  carry = false,
): ReadableStream<Uint8Array> {
  /** Events to carry, kept until the answer starts. */
  const waiting: string[] = [];
  const blocks = new Map<number, BlockKind>();
  /** Thinking blocks as they complete, not sent yet. */
  const thinking: ThinkingBlock[] = [];
  /** The completed thinking blocks sent on now, in their order, when asked to (`asSigned`). */
  const signed = () => {
    if (!asSigned || thinking.length === 0) return;
    start();
    writer.thinkingBlocks(thinking.splice(0));
  };
  let usage: AnthropicUsage | undefined;
  let stop: string | null | undefined;
  let stopSequence: string | null | undefined;
  let tools = 0;
  /**
   * JSON mode: text is held back until the answer ends, and dropped if the JSON tool is called.
   * With thinking on, the tool cannot be forced (tool_choice auto), and a model may write a line
   * ("Here is the JSON:") before calling it: glued to the JSON, the answer would not parse.
   */
  let held: string | undefined = jsonTool ? '' : undefined;
  /** The answer's text so far, in characters: where a thinking block starts (thinking-order.ts). */
  let written = 0;
  /** A thinking block at its place; the JSON tool's answer is not the text counted: first there. */
  const place = <B extends object>(block: B, content: number, calls: number) =>
    jsonTool ? block : placed(block, content, calls);
  const text = (chunk: string) => {
    written += chunk.length;
    if (chunk) start(); // held text too: it goes out before an error, as the answer so far
    if (held === undefined) return writer.text(chunk);
    held += chunk;
    // Longer than a line before a tool call: the answer itself (the model chose not to call the
    // tool). Sent on, so the stream does not go quiet past the relay's idle timeout meanwhile.
    if (held.length > PREAMBLE_CHARS) release();
  };
  /** Reasoning to show: like text, the first that is not empty starts the answer. */
  const reasoning = (chunk: string) => {
    if (chunk) start();
    writer.reasoning(chunk);
  };
  /** The held text, sent as it is; from here on text goes straight out. */
  const release = () => {
    if (held) writer.text(held);
    held = undefined;
  };
  /** Something was written: from here on a failure is a mid-stream error, not a failed attempt. */
  let started = false;
  let ended = false;

  // The role goes out with the first content, not at message_start nor with an empty block: an
  // error before it (an overload) still fails the attempt, so the router can fail over.
  const start = () => {
    if (started) return;
    started = true;
    writer.role(0, usage ? { prompt_usage: promptUsage(toUsage(usage)) } : {});
    for (const data of waiting) writer.carry(data);
    waiting.length = 0;
  };

  const end = (finish: boolean) => {
    if (ended) return;
    ended = true;
    if (finish) {
      start();
      release(); // JSON mode, but the tool was never called: the text is the answer
      writer.thinkingBlocks(thinking);
      writer.finish(finishReason(stop, tools > 0), 0, stopSequenceField(stop, stopSequence));
    }
    if (usage) writer.usage(toUsage(usage));
    writer.done();
  };

  const onEvent = ({ data }: EventSourceMessage) => {
    if (ended) return;
    if (carry) {
      if (started) writer.carry(data);
      else waiting.push(data);
    }
    const event = parseEventData(eventSchema, data);
    if (!event) return; // not an Anthropic event: ignored like any unknown event
    switch (event.type) {
      case 'message_start':
        usage = event.message?.usage;
        return;
      case 'content_block_start': {
        const block = event.content_block;
        const index = event.index ?? 0;
        if (carry) start();
        if (block?.type === 'text') {
          blocks.set(index, { kind: 'text' });
          text(block.text ?? '');
        } else if (block?.type === 'tool_use' && jsonTool && block.name === JSON_TOOL) {
          blocks.set(index, { kind: 'json', sentInput: false });
          held = undefined; // the JSON is the answer: any text before it is not
        } else if (block?.type === 'thinking') {
          blocks.set(index, {
            kind: 'thinking',
            thinking: block.thinking ?? '',
            signature: block.signature ?? '',
            content: written,
            calls: tools,
          });
          reasoning(block.thinking ?? '');
        } else if (block?.type === 'redacted_thinking') {
          blocks.set(index, { kind: 'redacted' });
          thinking.push(place({ type: 'redacted_thinking', data: block.data ?? '' }, written, tools));
        } else if (block?.type === 'tool_use') {
          const call = { kind: 'tool' as const, index: tools++, sentArguments: false };
          blocks.set(index, call);
          start();
          writer.toolCall({
            index: call.index,
            id: block.id,
            type: 'function',
            function: { name: block.name, arguments: '' },
          });
        } else blocks.set(index, { kind: 'other' });
        return;
      }
      case 'content_block_delta': {
        const block = blocks.get(event.index ?? 0);
        const delta = event.delta;
        if (delta?.type === 'text_delta' && block?.kind === 'text') text(delta.text ?? '');
        else if (delta?.type === 'thinking_delta' && block?.kind === 'thinking') {
          block.thinking += delta.thinking ?? '';
          reasoning(delta.thinking ?? '');
        } else if (delta?.type === 'signature_delta' && block?.kind === 'thinking') {
          block.signature += delta.signature ?? '';
        } else if (delta?.type === 'input_json_delta' && delta.partial_json) {
          if (block?.kind === 'json') {
            block.sentInput = true;
            start();
            writer.text(delta.partial_json);
          } else if (block?.kind === 'tool') {
            block.sentArguments = true;
            writer.toolCall({ index: block.index, function: { arguments: delta.partial_json } });
          }
        }
        return;
      }
      case 'content_block_stop': {
        // A tool called without arguments streams no JSON at all: its arguments are "{}", as in
        // the JSON answer, never "" (which clients fail to parse). So is the JSON tool's input,
        // which is the answer itself.
        const block = blocks.get(event.index ?? 0);
        if (block?.kind === 'tool' && !block.sentArguments) {
          block.sentArguments = true;
          writer.toolCall({ index: block.index, function: { arguments: '{}' } });
        }
        if (block?.kind === 'json' && !block.sentInput) {
          block.sentInput = true;
          start();
          writer.text('{}');
        }
        // The whole block, signed, once it is complete: what a tool loop's next request sends back.
        if (block?.kind === 'thinking') {
          const { content, calls } = block;
          thinking.push(
            place({ type: 'thinking', thinking: block.thinking, signature: block.signature }, content, calls),
          );
        }
        if (block?.kind === 'thinking' || block?.kind === 'redacted') signed();
        return;
      }
      case 'message_delta':
        if (event.delta?.stop_reason !== undefined) stop = event.delta.stop_reason;
        if (event.delta?.stop_sequence !== undefined) stopSequence = event.delta.stop_sequence;
        // message_delta usage is cumulative; a field it carries replaces message_start's.
        if (event.usage) usage = { ...usage, ...definedOnly(event.usage) };
        return;
      case 'message_stop':
        end(true);
        return;
      case 'error': {
        const error = anthropicError(provider, undefined, event.error?.type, event.error?.message);
        // Nothing sent yet: fail the attempt, so the router can still fail over.
        if (!started) throw error;
        release(); // what was said before the error, as outside JSON mode
        // Usage first: nothing after an error frame is read, and the request is settled on it.
        ended = true;
        if (usage) writer.usage(toUsage(usage));
        writer.error(error.message, error.options.code ?? 'upstream_error');
        writer.done();
        return;
      }
      default:
        return; // ping and event types added later
    }
  };

  return translateSSE(upstream, writer, onEvent, () => {
    // Closed without message_stop: the answer was cut short. Usage goes first (nothing after an
    // error event is read), then the error: never a made-up finish that a cache would keep.
    if (!started || ended) return;
    ended = true;
    release();
    if (usage) writer.usage(toUsage(usage));
    writer.cutShort();
    writer.done();
  });
}

function definedOnly(usage: AnthropicUsage): AnthropicUsage {
  return Object.fromEntries(Object.entries(usage).filter(([, value]) => value != null));
}
