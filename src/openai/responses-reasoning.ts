// A provider's reasoning in the Responses API. Out: chat's `reasoning_content` (the readable text)
// as a `reasoning` item's summary, and Anthropic's signed `thinking_blocks` (or Claude's through
// OpenRouter, its `reasoning_details`: reasoning-details.ts; or, without them, the text itself,
// unsigned) packed into its `encrypted_content` — the field clients already keep and send back
// (Codex, the AI SDK and the Agents SDK do with `store: false`). In: such an item sent
// back is unpacked into its assistant turn: signed blocks as `thinking_blocks`, which a tool loop
// with extended thinking needs (Anthropic refuses the next request without them), unsigned text as
// `reasoning_content`, which DeepSeek's thinking mode needs of a tool loop. OpenAI's own encrypted
// reasoning, when a Responses-only model answered through the chat pipeline (providers/
// openai-responses.ts), is packed the same way and goes back to OpenAI as its reasoning item.
// Reasoning the gateway did not pack means nothing to the chat API and is dropped.
import * as z from 'zod';
import { fromBase64Url, toBase64Url } from '../base64';
import { invalidRequest } from '../errors';
import type { ReasoningBlock } from '../providers/thinking';

type Json = Record<string, unknown>;

/** Packed text is UTF-8; bytes that are not are an altered packing. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What marks `encrypted_content` as the gateway's own packing (and its version). */
const PACKED = 'tollgate.thinking.v1.';

const thinkingBlocks = z.array(
  z.union([
    z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
    z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
    z.object({
      type: z.literal('openai_reasoning'),
      id: z.string(),
      encrypted_content: z.string(),
      provider: z.string().optional(),
    }),
  ]),
);

/**
 * The reasoning item for `text` (the summary) and `blocks` (packed); `status` as the item's. Text
 * no signed block carries (DeepSeek's reasoning) is packed as an unsigned block: sent back, it
 * goes to the provider as chat's `reasoning_content`, which DeepSeek requires of a tool loop.
 */
export function reasoningItem(id: string, text: string, blocks: ReasoningBlock[], status: string): Json {
  const packed: ReasoningBlock[] =
    blocks.length > 0 || text === '' ? blocks : [{ type: 'thinking', thinking: text, signature: '' }];
  return {
    type: 'reasoning',
    id,
    summary: text === '' ? [] : [summaryPart(text)],
    encrypted_content: packed.length > 0 ? packBlocks(packed) : null,
    status,
  };
}

export function summaryPart(text: string): Json {
  return { type: 'summary_text', text };
}

/** A chat answer's signed `thinking_blocks`, as the adapters give them (anything else is none). */
export function thinkingBlocksOf(value: unknown): ReasoningBlock[] {
  const parsed = thinkingBlocks.safeParse(value);
  return parsed.success ? parsed.data : [];
}

/**
 * The thinking blocks a reasoning item sent back carries: none unless the gateway packed its
 * `encrypted_content`; a packing that does not unpack is a 400 (it was altered on the way).
 */
export function unpackReasoning(encrypted: string | null | undefined, index: number): ReasoningBlock[] {
  if (!isPacked(encrypted)) return [];
  const blocks = unpackBlocks(encrypted);
  const param = `input[${index}].encrypted_content`;
  if (!blocks)
    throw invalidRequest(
      `Invalid '${param}': it is not the reasoning an answer of this gateway returned; send the item back as it came.`,
      param,
    );
  return blocks;
}

/** Whether `text` is the gateway's packing (it may still fail to unpack: altered on the way). */
export function isPacked(text: string | null | undefined): text is string {
  return text?.startsWith(PACKED) === true;
}

/** The blocks `packBlocks` packed into `text`; undefined when it does not unpack. */
export function unpackBlocks(text: string): ReasoningBlock[] | undefined {
  try {
    const parsed = thinkingBlocks.safeParse(
      JSON.parse(UTF8.decode(fromBase64Url(text.slice(PACKED.length)))),
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Blocks as one opaque string that clients keep and send back (Responses' encrypted_content, Messages' redacted_thinking data). */
export function packBlocks(blocks: ReasoningBlock[]): string {
  return PACKED + toBase64Url(JSON.stringify(blocks));
}
