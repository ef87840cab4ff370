// OpenRouter's `reasoning_details` (openrouter.ai/docs/guides/best-practices/reasoning-tokens): a
// model's reasoning as items, `reasoning.text` {text, signature}, `reasoning.encrypted` {data} and
// `reasoning.summary` {summary}, each with the `format` of the model family that wrote it and the
// `index` of its block. A stream sends them as fragments (`delta.reasoning_details`): a block's text
// in pieces under its index, its signature in a last piece. Claude's (`anthropic-claude-v1`) are its
// thinking blocks, signed, and its redacted thinking, which a tool loop must send back unchanged
// (OpenRouter takes them as the assistant message's `reasoning_details`). Chat clients get and send
// the field as it is; the Messages and Responses translations read it into thinking blocks, which
// go back as the field (withReasoningDetails).
import type { ChatRequest } from '../openai/schemas';
import type { ThinkingBlock } from './thinking';

type Json = Record<string, unknown>;

/** OpenRouter's name for Claude's reasoning (and its default when an item names none). */
export const CLAUDE_FORMAT = 'anthropic-claude-v1';

/** One of Claude's items (or stream fragments): thinking text and its signature, or redacted data. */
export type ClaudeDetail =
  | { kind: 'text'; index: number | undefined; text: string; signature: string }
  | { kind: 'redacted'; index: number | undefined; data: string };

/**
 * The items of a `reasoning_details` value in Claude's format, in order; [] when there are none.
 * Another family's (OpenAI's summaries and encrypted items, Gemini's…) have no Messages form: their
 * readable text still comes as the message's `reasoning`.
 */
export function claudeDetails(value: unknown): ClaudeDetail[] {
  if (!Array.isArray(value)) return [];
  const out: ClaudeDetail[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) continue;
    const { type, format, index: at } = item as Json;
    if (format !== undefined && format !== null && format !== CLAUDE_FORMAT) continue;
    const index = typeof at === 'number' ? at : undefined;
    const said = (field: unknown) => (typeof field === 'string' ? field : '');
    const record = item as Json;
    if (type === 'reasoning.text')
      out.push({ kind: 'text', index, text: said(record.text), signature: said(record.signature) });
    else if (type === 'reasoning.summary')
      out.push({ kind: 'text', index, text: said(record.summary), signature: '' });
    else if (type === 'reasoning.encrypted' && typeof record.data === 'string')
      out.push({ kind: 'redacted', index, data: record.data });
  }
  return out;
}

/**
 * Claude's reasoning in an answer's `reasoning_details` as thinking blocks: the fragments of one
 * block (same index, one after another, as a stream assembled into JSON holds them) joined, its
 * signature the one a fragment carried.
 */
export function thinkingFromDetails(value: unknown): ThinkingBlock[] {
  const blocks: ThinkingBlock[] = [];
  let lastIndex: number | undefined;
  for (const detail of claudeDetails(value)) {
    const last = blocks.at(-1);
    if (
      detail.kind === 'text' &&
      last?.type === 'thinking' &&
      detail.index !== undefined &&
      detail.index === lastIndex
    ) {
      last.thinking += detail.text;
      if (detail.signature !== '') last.signature = detail.signature;
      continue;
    }
    blocks.push(
      detail.kind === 'redacted'
        ? { type: 'redacted_thinking', data: detail.data }
        : { type: 'thinking', thinking: detail.text, signature: detail.signature },
    );
    lastIndex = detail.index;
  }
  return blocks;
}

/**
 * An assistant message's signed `thinking_blocks` (Claude's, as the Messages translation carries
 * them) as OpenRouter's `reasoning_details`; [] when none can go. Unsigned thinking cannot (Claude
 * refuses it), nor OpenAI's encrypted reasoning the gateway packs (only OpenAI reads it).
 */
export function detailsFromThinking(blocks: unknown): Json[] {
  if (!Array.isArray(blocks)) return [];
  const details: Json[] = [];
  for (const block of blocks) {
    const b = (block ?? {}) as Json;
    const index = details.length;
    if (b.type === 'thinking' && typeof b.thinking === 'string' && typeof b.signature === 'string') {
      if (b.signature === '') continue;
      details.push({
        type: 'reasoning.text',
        text: b.thinking,
        signature: b.signature,
        format: CLAUDE_FORMAT,
        index,
      });
    } else if (b.type === 'redacted_thinking' && typeof b.data === 'string')
      details.push({ type: 'reasoning.encrypted', data: b.data, format: CLAUDE_FORMAT, index });
  }
  return details;
}

/**
 * `messages` with each assistant message's thinking blocks also as `reasoning_details`, for
 * OpenRouter; a message that has its own `reasoning_details` (a chat client sent them) keeps them.
 * The same array when no message changed.
 */
export function withReasoningDetails(messages: ChatRequest['messages']): ChatRequest['messages'] {
  let changed = false;
  const out = messages.map((message) => {
    const fields = message as Json;
    if (message.role !== 'assistant' || fields.reasoning_details != null) return message;
    const details = detailsFromThinking(fields.thinking_blocks);
    if (details.length === 0) return message;
    changed = true;
    return { ...message, reasoning_details: details };
  });
  return changed ? out : messages;
}
