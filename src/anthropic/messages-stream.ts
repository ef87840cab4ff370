// A chat-completions SSE stream → Anthropic's Messages event stream, event by event as chunks
// arrive (never buffered): message_start, per content block its content_block_start / _delta /
// _stop, then message_delta (stop reason, usage) and message_stop. Reasoning text streams as a
// thinking block, kept open until the answer's signed `thinking_blocks` give its signature. A chat
// error event (the gateway's mid-stream failure) becomes Anthropic's `error` event, which ends it.

import { isRecord } from '../json-record';
import { chatEvents } from '../openai/chat-events';
import { anthropicErrorType, messageUsage, stopReason } from './messages-answer';

type Json = Record<string, unknown>;

const encoder = new TextEncoder();

/** An open content block: its index in the message and what it is. */
type OpenBlock =
  | { index: number; kind: 'text' }
  | { index: number; kind: 'thinking' }
  | { index: number; kind: 'tool'; chatIndex: number };

export function messagesEventStream(id: string, model: string): TransformStream<Uint8Array, Uint8Array> {
  let blocks = 0;
  let text: OpenBlock | undefined;
  let thinking: OpenBlock | undefined;
  /**
   * The tool calls by their chat index. One is open at a time, as at Anthropic: a call's block is
   * closed when the next call (or text) starts, since the SDK's MessageStream takes the block a
   * content_block_stop ends to be the last one started (its `contentBlock` event). A late delta of
   * an earlier call (a provider interleaving parallel calls) still goes to that call's block:
   * clients place each delta by its index, so its arguments are not lost.
   */
  const tools = new Map<number, OpenBlock>();
  let openTool: OpenBlock | undefined;
  let finishReason: unknown;
  let usage: unknown;
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
  const closeTools = () => {
    close(openTool);
    openTool = undefined;
  };

  /** The answer's signed blocks (sent whole, at its end): the streamed one's signature, the rest whole. */
  const onThinkingBlocks = (list: unknown[]) => {
    for (const block of list) {
      if (!isRecord(block)) continue;
      if (block.type === 'thinking' && thinking) {
        emit('content_block_delta', {
          index: thinking.index,
          delta: { type: 'signature_delta', signature: String(block.signature ?? '') },
        });
        close(thinking);
        thinking = undefined;
      } else if (block.type === 'redacted_thinking') {
        const index = open({ type: 'redacted_thinking', data: String(block.data ?? '') });
        emit('content_block_stop', { index });
      }
    }
  };

  /** message_start, with the model the first chunk names (the provider's own id, as the JSON answer has it). */
  const begin = (chunk: Json) => {
    if (started) return;
    started = true;
    // The usage is not known yet (the chat stream reports it last): message_delta carries it.
    emit('message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: typeof chunk.model === 'string' ? chunk.model : model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: messageUsage({}),
      },
    });
  };

  const onChunk = (chunk: Json) => {
    begin(chunk);
    if (isRecord(chunk.usage)) usage = chunk.usage;
    const choice = Array.isArray(chunk.choices)
      ? chunk.choices.find((c) => isRecord(c) && (c.index ?? 0) === 0)
      : undefined;
    if (!isRecord(choice)) return;
    if (choice.finish_reason != null) finishReason = choice.finish_reason;
    const delta = isRecord(choice.delta) ? choice.delta : {};
    if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
      thinking ??= { index: open({ type: 'thinking', thinking: '', signature: '' }), kind: 'thinking' };
      emit('content_block_delta', {
        index: thinking.index,
        delta: { type: 'thinking_delta', thinking: delta.reasoning_content },
      });
    }
    for (const value of [delta.content, delta.refusal]) {
      if (typeof value !== 'string' || value === '') continue;
      if (!text) {
        closeTools();
        text = { index: open({ type: 'text', text: '' }), kind: 'text' };
      }
      emit('content_block_delta', { index: text.index, delta: { type: 'text_delta', text: value } });
    }
    for (const raw of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
      if (!isRecord(raw)) continue;
      const fn = isRecord(raw.function) ? raw.function : {};
      const chatIndex = typeof raw.index === 'number' ? raw.index : 0;
      let call = tools.get(chatIndex);
      if (!call) {
        closeText();
        closeTools();
        const callId = typeof raw.id === 'string' ? raw.id : `toolu_${id.slice(4)}_${chatIndex}`;
        const index = open({ type: 'tool_use', id: callId, name: String(fn.name ?? ''), input: {} });
        call = { index, kind: 'tool', chatIndex };
        tools.set(chatIndex, call);
        openTool = call;
      }
      if (typeof fn.arguments === 'string' && fn.arguments !== '')
        emit('content_block_delta', {
          index: call.index,
          delta: { type: 'input_json_delta', partial_json: fn.arguments },
        });
    }
    if (Array.isArray(delta.thinking_blocks)) onThinkingBlocks(delta.thinking_blocks);
  };

  const fail = (error: unknown) => {
    ended = true;
    const said = isRecord(error) ? error : {};
    const status = said.type === 'rate_limit_error' ? 429 : 500;
    emit('error', {
      error: {
        type: anthropicErrorType(status, said.type),
        message: typeof said.message === 'string' ? said.message : 'The answer failed.',
      },
    });
  };

  const events = chatEvents({ chunk: onChunk, error: fail, ended: () => ended });

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
      close(thinking);
      closeText();
      closeTools();
      emit('message_delta', {
        delta: { stop_reason: stopReason(finishReason), stop_sequence: null },
        usage: messageUsage(usage),
      });
      emit('message_stop', {});
    },
  });
}
