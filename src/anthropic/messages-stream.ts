// A chat-completions SSE stream → Anthropic's Messages event stream, event by event as chunks
// arrive (never buffered): message_start, per content block its content_block_start / _delta /
// _stop, then message_delta (stop reason, usage) and message_stop. Reasoning text streams as
// thinking blocks, each kept open until the `thinking_blocks` delta that signs it: from Anthropic
// and Bedrock as soon as the provider finished it (the route asks for that:
// ChatCall.thinkingAsSigned), so it stops, signed, before the next block starts, as at Anthropic.
// Claude's reasoning through OpenRouter (`reasoning_details` fragments) streams block by block, each
// signed as its signature fragment comes (one that comes after its block stopped brings the block
// again, whole and packed, as a redacted block). Reasoning still open when text or a tool call
// starts is unsigned (DeepSeek's) and stops there; a cached answer replayed gives its signed blocks
// whole, first (messages-replay.ts). A chat error event (the gateway's mid-stream failure) becomes
// Anthropic's `error` event, which ends it.

import { isRecord } from '../json-record';
import { chatEvents } from '../openai/chat-events';
import { said } from '../openai/reasoning-text';
import { packBlocks } from '../openai/responses-reasoning';
import { SSE_KEEP_ALIVE } from '../openai/sse';
import { type ClaudeDetail, claudeDetails } from '../providers/reasoning-details';
import { isOpenAIReasoning } from '../providers/thinking';
import {
  matchedSequence,
  messageUsage,
  packedOpenAIReasoning,
  stopOf,
  streamErrorType,
} from './messages-answer';
import { inOrder, readable } from './messages-replay';
import { toolBlocks } from './messages-tool-blocks';
import { clientToolName } from './messages-tool-names';

type Json = Record<string, unknown>;

const encoder = new TextEncoder();

/** The open text block: its index in the message. */
type OpenBlock = { index: number; kind: 'text' };

/** A thinking block streamed from chat's reasoning text: its text so far, to find its signed block by. */
interface Thought {
  index: number;
  text: string;
  signed: boolean;
  /** The `index` of the block OpenRouter streams it as (its `reasoning_details`), where it does. */
  detail?: number | undefined;
}

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
  let blocks = 0;
  let text: OpenBlock | undefined;
  /**
   * The streamed thinking blocks held open until a `thinking_blocks` delta signs them (a
   * signature_delta must precede its block's stop).
   */
  let thoughts: Thought[] = [];
  /** The one reasoning goes on in; none once text or a tool call came after it (a new block then). */
  let thinking: Thought | undefined;
  /** The block each OpenRouter index streamed its text into (onDetail), signed or not. */
  const streamedDetails = new Map<number | undefined, Thought>();
  let finishReason: unknown;
  /** The stop sequence the finish chunk names (Anthropic's, or Bedrock's when the client asked). */
  let matched: string | undefined;
  let usage: unknown;
  /** The model said a refusal (OpenAI's `delta.refusal`): the stop reason is Anthropic's `refusal`. */
  let refused = false;
  let started = false;
  let ended = false;
  let out: TransformStreamDefaultController<Uint8Array>;

  const emit = (type: string, fields: Json) => {
    out.enqueue(encoder.encode(`event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`));
  };
  const open = (block: Json): number => {
    const index = blocks++;
    emit('content_block_start', { index, content_block: block });
    return index;
  };
  const close = (block: OpenBlock | undefined) => {
    if (block) emit('content_block_stop', { index: block.index });
  };
  const closeText = () => {
    close(text);
    text = undefined;
  };
  /** The tool calls, one block open at a time as at Anthropic (messages-tool-blocks.ts). */
  const tools = toolBlocks(
    {
      open: (block) => open({ ...block, name: clientToolName(context.toolNames, String(block.name)) }),
      delta: (index, delta) => emit('content_block_delta', { index, delta }),
      stop: (index) => emit('content_block_stop', { index }),
    },
    (ordinal) => `toolu_${id.slice(4)}_${ordinal}`,
  );
  const closeTools = () => tools.settle();

  /** A signed block no streamed one holds (or a redacted one): sent whole, as Anthropic streams it. */
  const whole = (block: Json) => {
    closeText();
    closeTools();
    if (block.type === 'redacted_thinking') {
      emit('content_block_stop', {
        index: open({ type: 'redacted_thinking', data: String(block.data ?? '') }),
      });
      return;
    }
    const index = open({ type: 'thinking', thinking: '', signature: '' });
    if (typeof block.thinking === 'string' && block.thinking !== '')
      emit('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: block.thinking } });
    emit('content_block_delta', {
      index,
      delta: { type: 'signature_delta', signature: String(block.signature ?? '') },
    });
    emit('content_block_stop', { index });
  };

  /** The streamed thinking blocks no signature came for: stopped as they are. */
  const closeThoughts = () => {
    for (const held of thoughts) if (!held.signed) emit('content_block_stop', { index: held.index });
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
      emit('content_block_delta', {
        index: held.index,
        delta: { type: 'signature_delta', signature: String(block.signature ?? '') },
      });
      emit('content_block_stop', { index: held.index });
      held.signed = true;
    }
    closeThoughts();
    // OpenAI's encrypted reasoning, packed (messages-answer.ts), once the thinking it follows ended.
    for (const block of list.filter(isOpenAIReasoning)) whole(packedOpenAIReasoning(block));
  };

  /** More of the thinking going on, in a block opened for it if none is (`detail`: its OpenRouter index). */
  const think = (more: string, detail?: number): Thought => {
    if (!thinking) {
      closeText();
      closeTools();
      const index = open({ type: 'thinking', thinking: '', signature: '' });
      thinking = { index, text: '', signed: false, detail };
      thoughts.push(thinking);
    }
    if (more !== '') {
      thinking.text += more;
      emit('content_block_delta', {
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
    emit('content_block_delta', {
      index: held.index,
      delta: { type: 'signature_delta', signature: detail.signature },
    });
    emit('content_block_stop', { index: held.index });
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

  /** message_start, with the model the first chunk names (the provider's own id, as the JSON answer has it). */
  const begin = (chunk: Json) => {
    if (started) return;
    started = true;
    // The chat stream reports usage last, in full in message_delta. What the prompt took is known
    // here only from an Anthropic-shaped upstream (Anthropic's, Vertex's Claude), whose first chunk
    // carries its message_start's usage in the extension field `prompt_usage`; from any other, the
    // gateway's estimate stands in, where clients (Claude Code) read the context's size as the
    // answer starts. message_delta's usage is cumulative, as Anthropic's: its counts replace these.
    const prompt = isRecord(chunk.prompt_usage)
      ? chunk.prompt_usage
      : { prompt_tokens: context.inputEstimate ?? 0 };
    emit('message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: typeof chunk.model === 'string' ? chunk.model : model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: messageUsage(prompt),
      },
    });
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
    const delta = isRecord(choice.delta) ? choice.delta : {};
    const blocks = Array.isArray(delta.thinking_blocks) ? delta.thinking_blocks : undefined;
    // First: a live stream sends them alone, but a cached answer replayed is one delta with the
    // whole message, whose signed blocks are its reasoning: sent whole and first, as in the JSON
    // answer (only reasoning beyond theirs streams, as a block of its own).
    const answer = said(delta);
    let reasoning = answer.reasoning;
    if (blocks) {
      onThinkingBlocks(blocks);
      if (reasoning === readable(blocks)) reasoning = '';
    }
    // Claude's reasoning through OpenRouter: its fragments hold the text `reasoning` repeats, and
    // say where each block ends and what signs it.
    const details = claudeDetails(delta.reasoning_details);
    if (details.length > 0) {
      for (const detail of details) onDetail(detail);
      reasoning = '';
    }
    if (reasoning !== '') think(reasoning);
    if (typeof delta.refusal === 'string' && delta.refusal !== '') refused = true;
    for (const value of [answer.text, delta.refusal]) {
      if (typeof value !== 'string' || value === '') continue;
      // A signed block was signed before what follows it (the route asks for thinkingAsSigned):
      // thinking still open now is unsigned (DeepSeek's) and ends here, as at Anthropic.
      closeThoughts();
      if (!text) {
        closeTools();
        text = { index: open({ type: 'text', text: '' }), kind: 'text' };
      }
      emit('content_block_delta', { index: text.index, delta: { type: 'text_delta', text: value } });
    }
    for (const raw of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
      if (!isRecord(raw)) continue;
      closeThoughts();
      closeText();
      tools.add(raw);
    }
  };

  const fail = (error: unknown) => {
    ended = true;
    const said = isRecord(error) ? error : {};
    emit('error', {
      error: {
        type: streamErrorType(said),
        message: typeof said.message === 'string' ? said.message : 'The answer failed.',
      },
    });
  };

  const events = chatEvents({
    chunk: onChunk,
    error: fail,
    ended: () => ended,
    // Between two whole events (each emit enqueues one), however the translation holds its blocks.
    keepAlive: () => out.enqueue(encoder.encode(SSE_KEEP_ALIVE)),
  });

  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      out = controller;
    },
    transform(bytes) {
      events.feed(bytes);
    },
    flush() {
      events.end();
      if (ended) return;
      begin({});
      closeThoughts();
      closeText();
      closeTools();
      emit('message_delta', {
        delta: stopOf(finishReason, { stop_sequence: matched }, refused),
        usage: messageUsage(usage),
      });
      emit('message_stop', {});
    },
  });
}
