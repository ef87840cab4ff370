// A chat-completions SSE stream → the Responses event stream, event by event as chunks arrive (never
// buffered): response.created / in_progress, then per output item its added / delta / done events,
// one item at a time as OpenAI streams them (each done before the next is added), and a closing
// response.completed (or .incomplete) with the whole Response and its usage, written once `done`
// (which stores it: src/responses-store/keeping.ts) resolves — the id is in response.created, but a
// client continues from a finished response, and finds it stored. A chat
// error event (the gateway's mid-stream failure) becomes response.failed, the terminal event the
// SDKs read as a failed response. The Responses stream has no `[DONE]`.

import { isRecord } from '../json-record';
import { claudeDetails } from '../providers/reasoning-details';
import { chatEvents } from './chat-events';
import { said } from './reasoning-text';
import {
  imageGenerationItem,
  imagesOf,
  incompleteReason,
  messageItem,
  type ResponseIds,
  type ResponseStatus,
  responseErrorCode,
  responseLogprobs,
  responseObject,
  responseUsage,
  textPart,
} from './responses-answer';
import { CallItems } from './responses-call-items';
import { thinkingBlocksOf } from './responses-reasoning';
import { ReasoningItems } from './responses-reasoning-items';
import type { ResponsesRequest } from './responses-schema';
import { SSE_KEEP_ALIVE } from './sse';

type Json = Record<string, unknown>;

const encoder = new TextEncoder();

/** The open message item: its text (or refusal) so far. */
interface OpenMessage {
  index: number;
  id: string;
  kind: 'text' | 'refusal';
  text: string;
  /** The text's token logprobs so far (when the request asked for top_logprobs). */
  logprobs: Json[];
}
export function responsesEventStream(
  request: ResponsesRequest,
  ids: ResponseIds,
  done?: (response: Json) => Promise<void>,
): TransformStream<Uint8Array, Uint8Array> {
  const createdAt = Math.floor(Date.now() / 1000);
  let model = request.model;
  let sequence = 0;
  const output: Json[] = [];
  let message: OpenMessage | undefined;
  let messages = 0;
  let images = 0;
  let finishReason: unknown;
  let usage: Json | null = null;
  let started = false;
  let ended = false;
  let out: TransformStreamDefaultController<Uint8Array>;

  const emit = (type: string, fields: Json) => {
    const data = JSON.stringify({ type, ...fields, sequence_number: sequence++ });
    out.enqueue(encoder.encode(`event: ${type}\ndata: ${data}\n\n`));
  };
  const snapshot = (
    status: ResponseStatus,
    extra: { reason?: string; error?: { code: string; message: string } } = {},
  ) =>
    responseObject(request, {
      id: ids.response,
      createdAt,
      model,
      status,
      output: [...output],
      // Unknown while in progress; at the end what the stream reported, or zeros (clients such as
      // the AI SDK require usage on the closing event; a provider may report none).
      usage: status === 'in_progress' ? null : (usage ?? responseUsage({})),
      incompleteReason: extra.reason,
      error: extra.error,
    });

  const closeMessage = (status: string) => {
    if (!message) return;
    const { index, id, kind, text, logprobs } = message;
    const at = { item_id: id, output_index: index, content_index: 0 };
    const part = kind === 'text' ? textPart(text, logprobs) : { type: 'refusal', refusal: text };
    if (kind === 'text') emit('response.output_text.done', { ...at, text, logprobs });
    else emit('response.refusal.done', { ...at, refusal: text });
    emit('response.content_part.done', { ...at, part });
    output[index] = messageItem(id, status, [part]);
    emit('response.output_item.done', { output_index: index, item: output[index] });
    message = undefined;
  };
  /**
   * The tool call items (responses-call-items.ts), one at a time like every item here: each done
   * before the next is added, calls a provider interleaves held until the one before is whole.
   */
  const calls = new CallItems(
    {
      emit,
      output,
      closeOthers: () => {
        reasoning.close('completed');
        closeMessage('completed');
      },
    },
    ids,
  );
  const closeCalls = (status: string) => calls.close(status);
  /** The reasoning items (responses-reasoning-items.ts), each after the message and calls before it. */
  const reasoning = new ReasoningItems(
    {
      emit,
      output,
      closeOthers: () => {
        closeMessage('completed');
        closeCalls('completed');
      },
    },
    ids.reasoning,
  );
  const openMessage = (kind: OpenMessage['kind']): OpenMessage => {
    reasoning.close('completed');
    closeMessage('completed');
    closeCalls('completed');
    const index = output.length;
    // A later message item (text after a tool call: rare) needs an id of its own.
    const id = messages === 0 ? ids.message : `${ids.message}_${messages}`;
    messages++;
    output.push(messageItem(id, 'in_progress', []));
    emit('response.output_item.added', { output_index: index, item: output[index] });
    const part = kind === 'text' ? textPart('') : { type: 'refusal', refusal: '' };
    emit('response.content_part.added', { item_id: id, output_index: index, content_index: 0, part });
    message = { index, id, kind, text: '', logprobs: [] };
    return message;
  };

  /**
   * response.created and .in_progress, once the first chunk names the model that serves the answer
   * (the provider's own id, as chat's chunks, the closing response and the JSON answer have it, and
   * as Messages' message_start does); the chat stream starts with its first event in.
   */
  const begin = () => {
    if (started) return;
    started = true;
    emit('response.created', { response: snapshot('in_progress') });
    emit('response.in_progress', { response: snapshot('in_progress') });
  };

  const onChunk = (chunk: Json) => {
    if (typeof chunk.model === 'string') model = chunk.model;
    begin();
    if (isRecord(chunk.usage)) usage = responseUsage(chunk.usage);
    const choice = Array.isArray(chunk.choices)
      ? chunk.choices.find((c) => isRecord(c) && (c.index ?? 0) === 0)
      : undefined;
    if (!isRecord(choice)) return;
    if (choice.finish_reason != null) finishReason = choice.finish_reason;
    const delta = isRecord(choice.delta) ? choice.delta : {};
    const content = said(delta);
    // Claude's reasoning through OpenRouter: its fragments hold the text `reasoning` repeats, and
    // say where each block ends and what signs it.
    const details = claudeDetails(delta.reasoning_details);
    for (const detail of details) reasoning.detail(detail);
    if (details.length === 0 && content.reasoning !== '') reasoning.summary(content.reasoning);
    if (delta.thinking_blocks != null) {
      const blocks = thinkingBlocksOf(delta.thinking_blocks);
      if (blocks.length > 0) reasoning.signed(blocks);
    }
    for (const [kind, value] of [
      ['text', content.text],
      ['refusal', delta.refusal],
    ] as const) {
      if (typeof value !== 'string' || value === '') continue;
      const open = message?.kind === kind ? message : openMessage(kind);
      open.text += value;
      const at = { item_id: open.id, output_index: open.index, content_index: 0 };
      if (kind === 'text') {
        const logprobs = responseLogprobs(choice.logprobs);
        open.logprobs.push(...logprobs);
        emit('response.output_text.delta', { ...at, delta: value, logprobs });
      } else emit('response.refusal.delta', { ...at, delta: value });
    }
    // A made image comes whole: its item is added and done at once, after what was said before it.
    for (const result of imagesOf(delta)) {
      reasoning.close('completed');
      closeMessage('completed');
      closeCalls('completed');
      const index = output.length;
      const id = ids.image(images++);
      output.push(imageGenerationItem(id, null, 'in_progress'));
      emit('response.output_item.added', { output_index: index, item: output[index] });
      emit('response.image_generation_call.completed', { output_index: index, item_id: id });
      output[index] = imageGenerationItem(id, result, 'completed');
      emit('response.output_item.done', { output_index: index, item: output[index] });
    }
    for (const raw of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
      if (isRecord(raw)) calls.add(raw);
    }
  };

  const fail = (error: unknown) => {
    begin();
    ended = true;
    const said = isRecord(error) ? error : {};
    const code = responseErrorCode(said);
    const message = typeof said.message === 'string' ? said.message : 'The response failed.';
    reasoning.close('incomplete');
    closeMessage('incomplete');
    closeCalls('incomplete');
    emit('response.failed', { response: snapshot('failed', { error: { code, message } }) });
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
      begin();
      const reason = incompleteReason(finishReason);
      const status = reason ? 'incomplete' : 'completed';
      reasoning.close(status);
      closeMessage(status);
      closeCalls(status);
      if (messages === 0 && calls.begun === 0) {
        // An answer with no text and no calls is still a message, so that output_text reads ''.
        openMessage('text');
        closeMessage(status);
      }
      const response = snapshot(status, { reason });
      const close = () => emit(reason ? 'response.incomplete' : 'response.completed', { response });
      if (!done) return close();
      return done(response).then(close);
    },
  });
}
