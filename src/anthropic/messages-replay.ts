// A cached answer replayed into Anthropic's event stream (messages-stream.ts) comes as one delta with
// the whole message: here it is cut into deltas of one block each, in the order Claude wrote them.
import { isRecord } from '../json-record';
import { interleave, textIn } from '../providers/thinking-order';
import { readPosition } from './messages-answer';

type Json = Record<string, unknown>;

/**
 * A cached answer replayed is one delta with the whole message: where its thinking blocks carry
 * places (thinking-order.ts), that delta as deltas of one block each, in the order Claude wrote
 * them, so the client keeps (and sends back) the order the newest models check. Undefined for
 * any other chunk.
 */
export function inOrder(chunk: Json): Json[] | undefined {
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
  if (!isRecord(choice) || !isRecord(choice.delta)) return undefined;
  const { thinking_blocks: blocks, content, tool_calls: calls, ...rest } = choice.delta;
  if (!Array.isArray(blocks)) return undefined;
  const thinking = blocks.map((block) => {
    const position = isRecord(block) ? readPosition(block) : undefined;
    return { block: { thinking_blocks: [block] } as Json, ...(position ? { position } : {}) };
  });
  const text: Json[] = typeof content === 'string' && content !== '' ? [{ content }] : [];
  const called: Json[] = Array.isArray(calls) ? calls.map((call) => ({ tool_calls: [call] })) : [];
  if (!thinking.some((t) => t.position) || text.length + called.length === 0) return undefined;
  // The blocks' readable text is theirs, not a block of its own (see onPiece).
  if (rest.reasoning_content === readable(blocks)) delete rest.reasoning_content;
  const pieces = interleave(thinking, text, called, PIECE_TEXT);
  return pieces.map((delta, i) => ({
    ...chunk,
    choices: [
      {
        ...choice,
        delta: i === 0 ? { ...rest, ...delta } : delta,
        finish_reason: i === pieces.length - 1 ? choice.finish_reason : null,
      },
    ],
  }));
}

/** A replayed delta's text, cut where a thinking block stood. */
const PIECE_TEXT = textIn<Json>('content');

/** The readable text of signed blocks, as the chat answer's `reasoning_content` joins it. */
export function readable(blocks: unknown[]): string {
  return blocks
    .map((block) => (isRecord(block) && block.type === 'thinking' ? String(block.thinking ?? '') : ''))
    .join('');
}
