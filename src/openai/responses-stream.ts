// A chat-completions SSE stream → the Responses event stream, event by event as chunks arrive (never
// buffered, but for what a provider says among a function call's fragments, held until the call is
// whole: see `held`): response.created / in_progress, then per output item its added / delta / done events,
// one item at a time as OpenAI streams them (each done before the next is added), and a closing
// response.completed (or .incomplete) with the whole Response and its usage, written once `done`
// (which stores it: src/responses-store/keeping.ts) resolves — the id is in response.created, but a
// client continues from a finished response, and finds it stored. A chat
// error event (the gateway's mid-stream failure) becomes response.failed, the terminal event the
// SDKs read as a failed response. The Responses stream has no `[DONE]`.

import { isRecord } from '../json-record';
import { claudeDetails } from '../providers/reasoning-details';
import { chatEvents } from './chat-events';
import { said, saysAnything } from './reasoning-text';
import {
  imageGenerationItem,
  imagesOf,
  incompleteReason,
  type ResponseIds,
  type ResponseStatus,
  responseErrorCode,
  responseLogprobs,
  responseObject,
  responseUsage,
} from './responses-answer';
import { CallItems } from './responses-call-items';
import { MessageItems } from './responses-message-items';
import { namespacesOf } from './responses-namespaces';
import { thinkingBlocksOf } from './responses-reasoning';
import { ReasoningItems } from './responses-reasoning-items';
import type { ResponsesRequest } from './responses-schema';
import { SSE_KEEP_ALIVE } from './sse';

type Json = Record<string, unknown>;

const encoder = new TextEncoder();

export function responsesEventStream(
  request: ResponsesRequest,
  ids: ResponseIds,
  done?: (response: Json) => Promise<void>,
): TransformStream<Uint8Array, Uint8Array> {
  const createdAt = Math.floor(Date.now() / 1000);
  let model = request.model;
  let sequence = 0;
  const output: Json[] = [];
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
    // A failed response is neither stored nor appended to a conversation (keeping.ts): it says so.
    responseObject(status === 'failed' ? { ...request, store: false, conversation: null } : request, {
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
        messages.close('completed');
      },
    },
    ids,
    namespacesOf(request.tools),
  );
  const closeCalls = (status: string) => calls.close(status);
  /** The reasoning items (responses-reasoning-items.ts), each after the message and calls before it. */
  const reasoning = new ReasoningItems(
    {
      emit,
      output,
      closeOthers: () => {
        messages.close('completed');
        closeCalls('completed');
      },
    },
    ids.reasoning,
  );
  /** The message items (responses-message-items.ts): text, or a refusal. */
  const messages = new MessageItems(
    {
      emit,
      output,
      closeOthers: () => {
        reasoning.close('completed');
        closeCalls('completed');
      },
    },
    ids.message,
  );

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

  /**
   * What deltas say beside their tool calls (with the text's logprobs), from a provider that
   * interleaves it with a function call's fragments (text, reasoning or an image before the open
   * call's arguments are a whole JSON value): held, in order, until they are (or the answer ends),
   * and written after the call. Its item would have to be done for another to start, and no event
   * may follow an item's done: the rest of the call's arguments would miss the events clients
   * build the answer from.
   */
  const held: { delta: Json; logprobs: unknown }[] = [];
  const release = () => {
    if (held.length === 0 || calls.unfinished()) return;
    for (const { delta, logprobs } of held.splice(0)) onSaid(delta, logprobs);
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
    const { tool_calls: raws, ...delta } = isRecord(choice.delta) ? choice.delta : {};
    if (saysAnything(delta)) {
      if (held.length > 0 || calls.unfinished()) held.push({ delta, logprobs: choice.logprobs });
      else onSaid(delta, choice.logprobs);
    }
    for (const raw of Array.isArray(raws) ? raws : []) {
      if (isRecord(raw)) calls.add(raw);
    }
    release();
  };

  /** A delta's reasoning, text or refusal and images (its tool calls aside), each in its item. */
  const onSaid = (delta: Json, chosenLogprobs: unknown) => {
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
    if (content.text !== '') messages.add('text', content.text, responseLogprobs(chosenLogprobs));
    if (typeof delta.refusal === 'string' && delta.refusal !== '') messages.add('refusal', delta.refusal);
    // A made image comes whole: its item is added and done at once, after what was said before it.
    for (const result of imagesOf(delta)) {
      reasoning.close('completed');
      messages.close('completed');
      closeCalls('completed');
      const index = output.length;
      const id = ids.image(images++);
      output.push(imageGenerationItem(id, null, 'in_progress'));
      emit('response.output_item.added', { output_index: index, item: output[index] });
      emit('response.image_generation_call.completed', { output_index: index, item_id: id });
      output[index] = imageGenerationItem(id, result, 'completed');
      emit('response.output_item.done', { output_index: index, item: output[index] });
    }
  };

  const fail = (error: unknown) => {
    begin();
    ended = true;
    const said = isRecord(error) ? error : {};
    const code = responseErrorCode(said);
    const message = typeof said.message === 'string' ? said.message : 'The response failed.';
    // What waited for a call is still part of the answer so far: after the call, as the end has it.
    closeCalls('incomplete');
    release();
    reasoning.close('incomplete');
    messages.close('incomplete');
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
      // The calls are over, whole or not: their items are done, and what waited for them comes.
      closeCalls(status);
      release();
      reasoning.close(status);
      messages.close(status);
      if (messages.begun === 0 && calls.begun === 0) {
        // An answer with no text and no calls is still a message, so that output_text reads ''.
        messages.start('text');
        messages.close(status);
      }
      const response = snapshot(status, { reason });
      const close = () => emit(reason ? 'response.incomplete' : 'response.completed', { response });
      if (!done) return close();
      return done(response).then(close);
    },
  });
}
