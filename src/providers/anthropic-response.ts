// Anthropic Messages' JSON answer → an OpenAI chat completion, and what the stream's translation
// (anthropic-stream.ts) shares with it: the message, content block and stream event schemas, the
// finish reason, the stop sequence field.
import * as z from 'zod';
import { JSON_TOOL } from './anthropic-tools';
import { toUsage, usageSchema } from './anthropic-usage';
import { assistantChoice, chatCompletion } from './chat-completion';
import type { FinishReason } from './openai-stream-writer';
import { type ThinkingBlock, withThinking } from './thinking';
import { placed } from './thinking-order';
import type { ChatCompletion } from './types';

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

export const eventSchema = z.looseObject({
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

export function finishReason(stop: string | null | undefined, calledTool: boolean): FinishReason {
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
