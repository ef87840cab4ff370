// Where each thinking block stood among its answer's other blocks. Claude may think between its
// text and tool calls (interleaved thinking; from Claude Opus 5.5 and Fable 5.1 the text between
// tool calls comes back as thinking blocks too), and the newer models check, when a block comes
// back, that nothing before it changed: the order matters. Chat keeps an assistant message's text
// in `content`, its calls in `tool_calls` and its reasoning in `thinking_blocks`, so a block that
// did not stand first carries its place there, as the extension field `position`: the characters
// of `content` and the number of `tool_calls` before it. The adapters that send blocks back
// (anthropic-request.ts, bedrock-messages.ts) and /v1/messages (src/anthropic) put it back there.
import { invalidRequest } from '../errors';

/** What came before a thinking block in its answer: `content`'s characters and `tool_calls`. */
export interface BlockPosition {
  content: number;
  tool_calls: number;
}

/** `block` with its position, left out where the block stood first (as most do): chat's order. */
export function placed<B extends object>(block: B, content: number, toolCalls: number): B {
  return content === 0 && toolCalls === 0
    ? block
    : { ...block, position: { content, tool_calls: toolCalls } };
}

/** The position a sent-back thinking block carries (`path`: the block's), or none: it stood first. */
export function positionOf(block: unknown, path: string): BlockPosition | undefined {
  const position = (block as { position?: unknown } | null)?.position;
  if (position === undefined || position === null) return undefined;
  const { content, tool_calls } = position as Partial<BlockPosition>;
  const count = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (typeof position !== 'object' || !count(content) || !count(tool_calls)) {
    throw invalidRequest(
      'A thinking block\'s position is {"content", "tool_calls"}: the characters of content and the tool calls before it, as an answer gave it.',
      `${path}.position`,
    );
  }
  return { content: content as number, tool_calls: tool_calls as number };
}

/** How a message's blocks of one provider's shape are measured and cut (text blocks only). */
export interface TextBlocks<B> {
  /** The characters of `content` a block holds (0 for a block that is not text). */
  length(block: B): number;
  /** A text block cut in two at `at` characters. */
  split(block: B, at: number): [B, B];
}

/**
 * Blocks whose text is their `field` (a string; any other block counts nothing), cut into two
 * copies of the block. A cache mark (`cache_control`) ends the block it is on: it stays on the
 * second part only.
 */
export function textIn<B extends Record<string, unknown>>(field: string): TextBlocks<B> {
  return {
    length: (block) => {
      const text = block[field];
      return typeof text === 'string' ? text.length : 0;
    },
    split: (block, at) => {
      const { cache_control: _mark, ...first } = block;
      const text = String(block[field]);
      return [{ ...first, [field]: text.slice(0, at) } as B, { ...block, [field]: text.slice(at) }];
    },
  };
}

/**
 * An assistant message's blocks in the order its answer gave them: each thinking block (in order)
 * after the content text and tool calls its position names (the text first: a call's place in the
 * text is not kept), the text cut where a block stood inside it; what no position reaches follows,
 * text before tool calls as chat has them. Without positions: thinking, text, tool calls — chat's
 * order.
 */
export function interleave<B>(
  thinking: readonly { block: B; position?: BlockPosition }[],
  content: readonly B[],
  calls: readonly B[],
  text: TextBlocks<B>,
): B[] {
  const out: B[] = [];
  const pending = [...content];
  let written = 0;
  let callsWritten = 0;
  const writeText = (upTo: number) => {
    while (pending.length > 0 && written < upTo) {
      const next = pending[0] as B;
      const length = text.length(next);
      if (written + length <= upTo) {
        out.push(next);
        pending.shift();
        written += length;
      } else {
        const [before, after] = text.split(next, upTo - written);
        out.push(before);
        pending[0] = after;
        written = upTo;
      }
    }
  };
  for (const { block, position } of thinking) {
    // The text its position counts, then the calls: text that came after a call (an answer of
    // text, call, thinking, text, call) stays after it. Text no position reaches comes before the
    // calls left, as chat has them.
    if (position) {
      writeText(position.content);
      while (callsWritten < Math.min(position.tool_calls, calls.length)) out.push(calls[callsWritten++] as B);
    }
    out.push(block);
  }
  out.push(...pending, ...calls.slice(callsWritten));
  return out;
}
