// The thinking blocks of a Messages event stream (messages-stream.ts), out of chat's reasoning: its
// text (reasoning_content), the signed blocks that follow it (`thinking_blocks`), and Claude's
// reasoning through OpenRouter (`reasoning_details` fragments). Each streamed block is held open
// until what signs it comes, or until text or a tool call starts (unsigned, it stops there).

import { isRecord } from '../json-record';
import { packBlocks } from '../openai/responses-reasoning';
import type { ClaudeDetail } from '../providers/reasoning-details';
import { isOpenAIReasoning } from '../providers/thinking';
import { packedOpenAIReasoning } from './messages-answer';
import type { MessageEventWriter } from './messages-event-writer';

type Json = Record<string, unknown>;

/** A thinking block streamed from chat's reasoning text: its text so far, to find its signed block by. */
interface Thought {
  index: number;
  text: string;
  signed: boolean;
  /** The `index` of the block OpenRouter streams it as (its `reasoning_details`), where it does. */
  detail?: number | undefined;
}

export interface ThinkingBlocks {
  /** More of the thinking going on, in a block opened for it if none is. */
  think(more: string): void;
  /** A delta's `thinking_blocks`: the answer's signed blocks. */
  onThinkingBlocks(list: unknown[]): void;
  /** A fragment of Claude's reasoning as OpenRouter streams it. */
  onDetail(detail: ClaudeDetail): void;
  /** Every streamed block still open stopped as it is: before text or a tool call, and at the end. */
  closeThoughts(): void;
}

/** `closeOthers` stops the open text and tool blocks, before a thinking block starts. */
export function thinkingBlocks(events: MessageEventWriter, closeOthers: () => void): ThinkingBlocks {
  /**
   * The streamed thinking blocks held open until a `thinking_blocks` delta signs them (a
   * signature_delta must precede its block's stop).
   */
  let thoughts: Thought[] = [];
  /** The one reasoning goes on in; none once text or a tool call came after it (a new block then). */
  let thinking: Thought | undefined;
  /** The block each OpenRouter index streamed its text into (onDetail), signed or not. */
  const streamedDetails = new Map<number | undefined, Thought>();

  /** A signed block no streamed one holds (or a redacted one): sent whole, as Anthropic streams it. */
  const whole = (block: Json) => {
    closeOthers();
    if (block.type === 'redacted_thinking') {
      events.emit('content_block_stop', {
        index: events.open({ type: 'redacted_thinking', data: String(block.data ?? '') }),
      });
      return;
    }
    const index = events.open({ type: 'thinking', thinking: '', signature: '' });
    if (typeof block.thinking === 'string' && block.thinking !== '')
      events.emit('content_block_delta', {
        index,
        delta: { type: 'thinking_delta', thinking: block.thinking },
      });
    events.emit('content_block_delta', {
      index,
      delta: { type: 'signature_delta', signature: String(block.signature ?? '') },
    });
    events.emit('content_block_stop', { index });
  };

  /** The streamed thinking blocks no signature came for: stopped as they are. */
  const closeThoughts = () => {
    for (const held of thoughts) if (!held.signed) events.emit('content_block_stop', { index: held.index });
    thoughts = [];
    thinking = undefined;
  };
  /**
   * The answer's signed blocks, all at its end, in order. Each thinking block signs the streamed
   * block that holds exactly its text (reasoning_content has no block boundaries: blocks with
   * nothing streamed between them came as one, which no single signature fits); a block none
   * holds (no text streamed: thinking display omitted, or run together) is sent whole, and a
   * streamed block left unsigned is closed as it is (the gateway drops it when sent back).
   */
  const onThinkingBlocks = (list: unknown[]) => {
    let next = 0;
    for (const block of list) {
      if (!isRecord(block)) continue;
      if (block.type === 'redacted_thinking') whole(block);
      if (block.type !== 'thinking') continue;
      const at = thoughts.findIndex((t, i) => i >= next && t.text !== '' && t.text === block.thinking);
      const held = thoughts[at];
      if (!held) {
        whole(block);
        continue;
      }
      next = at + 1;
      events.emit('content_block_delta', {
        index: held.index,
        delta: { type: 'signature_delta', signature: String(block.signature ?? '') },
      });
      events.emit('content_block_stop', { index: held.index });
      held.signed = true;
    }
    closeThoughts();
    // OpenAI's encrypted reasoning, packed (messages-answer.ts), once the thinking it follows ended.
    for (const block of list.filter(isOpenAIReasoning)) whole(packedOpenAIReasoning(block));
  };

  /** More of the thinking going on, in a block opened for it if none is (`detail`: its OpenRouter index). */
  const think = (more: string, detail?: number): Thought => {
    if (!thinking) {
      closeOthers();
      const index = events.open({ type: 'thinking', thinking: '', signature: '' });
      thinking = { index, text: '', signed: false, detail };
      thoughts.push(thinking);
    }
    if (more !== '') {
      thinking.text += more;
      events.emit('content_block_delta', {
        index: thinking.index,
        delta: { type: 'thinking_delta', thinking: more },
      });
    }
    return thinking;
  };

  /**
   * A fragment of Claude's reasoning as OpenRouter streams it (reasoning-details.ts): more text of
   * its block (another index: the block before is over), the signature that ends it, or a redacted
   * block, whole. A signature with no text streamed before it (thinking display omitted) signs an
   * empty block, as Anthropic streams one; one for a block already stopped is `lateSignature`'s.
   */
  const onDetail = (detail: ClaudeDetail) => {
    if (detail.kind === 'redacted') {
      closeThoughts();
      whole({ type: 'redacted_thinking', data: detail.data });
      return;
    }
    const streamed = streamedDetails.get(detail.index);
    if (detail.text === '' && detail.signature !== '' && streamed && streamed !== thinking) {
      if (!streamed.signed) lateSignature(streamed, detail.signature);
      return;
    }
    if (thinking && thinking.detail !== detail.index) closeThoughts();
    if (detail.text !== '') streamedDetails.set(detail.index, think(detail.text, detail.index));
    if (detail.signature === '') return;
    const held = think('', detail.index);
    events.emit('content_block_delta', {
      index: held.index,
      delta: { type: 'signature_delta', signature: detail.signature },
    });
    events.emit('content_block_stop', { index: held.index });
    held.signed = true;
    thinking = undefined;
  };

  /**
   * The signature of a block that stopped before it came (OpenRouter may send it after the text or
   * a call began): no signature_delta may follow a block's stop, nor sign another block. The block,
   * signed, comes whole where the stream is as a `redacted_thinking` block whose data is the
   * gateway's packing (the client shows the thinking once, as it streamed, and sends the packing
   * back as it came); messages-request.ts unpacks it into the signed block, Claude's to check.
   */
  const lateSignature = (held: Thought, signature: string) => {
    held.signed = true;
    closeThoughts();
    const signed = { type: 'thinking' as const, thinking: held.text, signature };
    whole({ type: 'redacted_thinking', data: packBlocks([signed]) });
  };

  return { think, onThinkingBlocks, onDetail, closeThoughts };
}
