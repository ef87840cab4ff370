// A chat-completions SSE stream → Anthropic's Messages event stream, event by event as chunks
// arrive (never buffered, but for text or reasoning a provider sends among a tool call's fragments,
// held until the call is whole: see `held`): message_start, per content block its
// content_block_start / _delta / _stop, then message_delta (stop reason, usage) and message_stop.
// Reasoning text streams as thinking blocks, each kept open until the `thinking_blocks` delta that
// signs it: from Anthropic and Bedrock as soon as the provider finished it (the route asks for
// that: ChatCall.thinkingAsSigned), so it stops, signed, before the next block starts, as at Anthropic.
// Claude's reasoning through OpenRouter (`reasoning_details` fragments) streams block by block, each
// signed as its signature fragment comes (one that comes after its block stopped brings the block
// again, whole and packed, as a redacted block). Reasoning still open when text or a tool call
// starts is unsigned (DeepSeek's) and stops there; a cached answer replayed gives its signed blocks
// whole, first (messages-replay.ts). A chat error event (the gateway's mid-stream failure) becomes
// Anthropic's `error` event, which ends it.
//
// Here the chunks are read and the text block kept; the thinking blocks are
// messages-thinking-blocks.ts's, the tool_use blocks messages-tool-blocks.ts's, the message's start
// and end messages-stream-ends.ts's, and every event is written by messages-event-writer.ts.

import { isRecord } from '../json-record';
import { chatEvents } from '../openai/chat-events';
import { said, saysAnything } from '../openai/reasoning-text';
import { claudeDetails } from '../providers/reasoning-details';
import { matchedSequence } from './messages-answer';
import { MessageEventWriter } from './messages-event-writer';
import { inOrder, readable } from './messages-replay';
import { messageEnd, messageStart, streamError } from './messages-stream-ends';
import { thinkingBlocks } from './messages-thinking-blocks';
import { toolBlocks } from './messages-tool-blocks';
import { clientToolName } from './messages-tool-names';

type Json = Record<string, unknown>;

/** The open text block: its index in the message. */
type OpenBlock = { index: number; kind: 'text' };

/** What the stream knows of its request beyond the chat stream. */
export interface StreamContext {
  /** The client's name of each tool its chat body named shortened (messages-tool-names.ts). */
  toolNames?: ReadonlyMap<string, string>;
  /** The gateway's estimate of the prompt (limits/estimate.ts), which the request was admitted on. */
  inputEstimate?: number | undefined;
}

export function messagesEventStream(
  id: string,
  model: string,
  context: StreamContext = {},
): TransformStream<Uint8Array, Uint8Array> {
  const events = new MessageEventWriter();
  let text: OpenBlock | undefined;
  let finishReason: unknown;
  /** The stop sequence the finish chunk names (Anthropic's, or Bedrock's when the client asked). */
  let matched: string | undefined;
  let usage: unknown;
  /** The model said a refusal (OpenAI's `delta.refusal`): the stop reason is Anthropic's `refusal`. */
  let refused = false;
  let started = false;
  let ended = false;

  const close = (block: OpenBlock | undefined) => {
    if (block) events.emit('content_block_stop', { index: block.index });
  };
  const closeText = () => {
    close(text);
    text = undefined;
  };
  /** The tool calls, one block open at a time as at Anthropic (messages-tool-blocks.ts). */
  const tools = toolBlocks(
    {
      open: (block) => events.open({ ...block, name: clientToolName(context.toolNames, String(block.name)) }),
      delta: (index, delta) => events.emit('content_block_delta', { index, delta }),
      stop: (index) => events.emit('content_block_stop', { index }),
    },
    (ordinal) => `toolu_${id.slice(4)}_${ordinal}`,
  );
  const closeTools = () => tools.settle();
  /** The thinking blocks (messages-thinking-blocks.ts); the text and tool blocks stop before one starts. */
  const thoughts = thinkingBlocks(events, () => {
    closeText();
    closeTools();
  });

  const begin = (chunk: Json) => {
    if (started) return;
    started = true;
    messageStart(events, id, model, chunk, context.inputEstimate);
  };

  /**
   * What a delta says beside its tool calls, from a provider that interleaves it with a call's
   * fragments (text or reasoning before the open call's arguments are a whole JSON value): held,
   * in order, until they are (or the answer ends), and written after the call. Its block would
   * have to stop for it, and no delta may follow a block's stop: the rest of the call's arguments
   * would be lost.
   */
  const held: Json[] = [];
  const release = () => {
    if (held.length === 0 || tools.unfinished()) return;
    for (const rest of held.splice(0)) onSaid(rest);
  };

  /** A chunk; a replayed whole answer one block at a time, in Claude's order (inOrder). */
  const onChunk = (chunk: Json) => {
    for (const piece of inOrder(chunk) ?? [chunk]) onPiece(piece);
  };

  const onPiece = (chunk: Json) => {
    begin(chunk);
    if (isRecord(chunk.usage)) usage = chunk.usage;
    const choice = Array.isArray(chunk.choices)
      ? chunk.choices.find((c) => isRecord(c) && (c.index ?? 0) === 0)
      : undefined;
    if (!isRecord(choice)) return;
    if (choice.finish_reason != null) {
      finishReason = choice.finish_reason;
      matched = matchedSequence(chunk);
    }
    const { tool_calls: calls, ...rest } = isRecord(choice.delta) ? choice.delta : {};
    if (saysAnything(rest)) {
      if (held.length > 0 || tools.unfinished()) held.push(rest);
      else onSaid(rest);
    }
    for (const raw of Array.isArray(calls) ? calls : []) {
      if (!isRecord(raw)) continue;
      thoughts.closeThoughts();
      closeText();
      tools.add(raw);
    }
    release();
  };

  /** A delta's text and reasoning (its tool calls aside), in blocks of their own. */
  const onSaid = (delta: Json) => {
    const blocks = Array.isArray(delta.thinking_blocks) ? delta.thinking_blocks : undefined;
    // First: a live stream sends them alone, but a cached answer replayed is one delta with the
    // whole message, whose signed blocks are its reasoning: sent whole and first, as in the JSON
    // answer (only reasoning beyond theirs streams, as a block of its own).
    const answer = said(delta);
    let reasoning = answer.reasoning;
    if (blocks) {
      thoughts.onThinkingBlocks(blocks);
      if (reasoning === readable(blocks)) reasoning = '';
    }
    // Claude's reasoning through OpenRouter: its fragments hold the text `reasoning` repeats, and
    // say where each block ends and what signs it.
    const details = claudeDetails(delta.reasoning_details);
    if (details.length > 0) {
      for (const detail of details) thoughts.onDetail(detail);
      reasoning = '';
    }
    if (reasoning !== '') thoughts.think(reasoning);
    if (typeof delta.refusal === 'string' && delta.refusal !== '') refused = true;
    for (const value of [answer.text, delta.refusal]) {
      if (typeof value !== 'string' || value === '') continue;
      // A signed block was signed before what follows it (the route asks for thinkingAsSigned):
      // thinking still open now is unsigned (DeepSeek's) and ends here, as at Anthropic.
      thoughts.closeThoughts();
      if (!text) {
        closeTools();
        text = { index: events.open({ type: 'text', text: '' }), kind: 'text' };
      }
      events.emit('content_block_delta', { index: text.index, delta: { type: 'text_delta', text: value } });
    }
  };

  const fail = (error: unknown) => {
    ended = true;
    streamError(events, error);
  };

  const chat = chatEvents({
    chunk: onChunk,
    error: fail,
    ended: () => ended,
    // Between two whole events (each emit enqueues one), however the translation holds its blocks.
    keepAlive: () => events.keepAlive(),
  });

  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      events.attach(controller);
    },
    transform(bytes) {
      chat.feed(bytes);
    },
    flush() {
      chat.end();
      if (ended) return;
      begin({});
      // The calls are over, whole or not: their blocks stop, and what waited for them comes.
      closeTools();
      release();
      thoughts.closeThoughts();
      closeText();
      closeTools();
      messageEnd(events, finishReason, matched, refused, usage);
    },
  });
}
