// A streamed answer of OpenAI's Responses API as chat-completion chunks (openai-responses.ts):
// output_text deltas → content, refusal deltas → refusal, reasoning summary (or reasoning text)
// deltas → reasoning_content, encrypted reasoning → thinking_blocks (all in one delta before the
// finish, as every adapter sends them; each as its item completes when asked: thinkingAsSigned), url_citation annotations → annotations, a function_call or
// custom_tool_call item → a tool call whose arguments (input) follow in fragments;
// response.completed / response.incomplete → the finish and the usage chunk (with the hosted tool
// uses its output was billed for, when the caller counts them: toolUses). A response.failed or
// error event before any output fails the attempt (the route may fail over); after output it is an
// error event, as the stream contract of every adapter has it (openai-stream-writer.ts).
import type { EventSourceMessage } from 'eventsource-parser';
import * as z from 'zod';
import type { ToolUses } from '../pricing/tool-fees';
import {
  chatAnnotation,
  encryptedReasoning,
  failedResponse,
  finishReason,
  type OutputItem,
  outputItemSchema,
  type ResponsesFailure,
  type ResponsesUsage,
  reasoningText,
  responseSchema,
  toUsage,
} from './openai-responses-answer';
import { type OpenAIStreamWriter, parseEventData, translateSSE } from './openai-stream-writer';
import type { OpenAIReasoningBlock } from './thinking';

const eventSchema = z.looseObject({
  type: z.string(),
  output_index: z.number().int().nonnegative().optional(),
  summary_index: z.number().int().nonnegative().optional(),
  delta: z.string().optional(),
  item: outputItemSchema.optional(),
  annotation: z.looseObject({ type: z.string() }).optional(),
  response: responseSchema.partial({ output: true }).optional(),
  // An `error` event's: nested under `error` as OpenAI sends them, at the top as its reference has them.
  error: z
    .looseObject({ code: z.string().nullish(), message: z.string().nullish(), type: z.string().nullish() })
    .nullish(),
  code: z.string().nullish(),
  message: z.string().nullish(),
});

interface Call {
  /** The call's place among the answer's tool calls. */
  index: number;
  kind: 'function' | 'custom';
  /** Arguments (input) streamed so far. */
  sent: boolean;
}

export interface ResponsesStreamOptions {
  /** Each reasoning item's encrypted reasoning goes out as it completes (ChatCall.thinkingAsSigned). */
  asSigned?: boolean;
  /**
   * Each upstream event also goes out whole (OpenAIStreamWriter.carry) for a client served OpenAI's
   * own stream (ChatCall.native); those before the first output item are held, so that a failure
   * before it still fails the attempt over, and any output item (a web search call too) starts.
   */
  carry?: boolean;
  /** The hosted tool uses billed in the answer's output items, which the usage then carries. */
  toolUses?: (output: readonly OutputItem[]) => ToolUses | undefined;
}

export function translateResponsesStream(
  provider: string,
  upstream: ReadableStream<Uint8Array>,
  writer: OpenAIStreamWriter,
  { asSigned = false, carry = false, toolUses }: ResponsesStreamOptions = {},
): ReadableStream<Uint8Array> {
  /** Events to carry, held until the output starts. */
  const held: string[] = [];
  /** Tool calls by their output_index. */
  const calls = new Map<number, Call>();
  /** Message items whose text (or refusal) has been streamed, by output_index (.done repeats it). */
  const said = new Set<number>();
  /** Output items whose reasoning has been streamed, by output_index (their .done repeats it). */
  const reasoned = new Set<number>();
  /** Encrypted reasoning of the items done so far, for the thinking_blocks before the finish. */
  const encrypted: OpenAIReasoningBlock[] = [];
  /**
   * Characters of content written so far, and where the current text part began: a part's
   * annotations index into its own text, chat's into the whole content.
   */
  let written = 0;
  let partStart = 0;
  let started = false;
  let ended = false;
  let usage: ResponsesUsage | undefined;
  /**
   * The output items done so far, by output_index: what a stream cut short (or a terminal event
   * without its output) was billed for; a terminal event's response.output replaces them.
   */
  const done = new Map<number, OutputItem>();
  /** The usage chunk's usage, with the hosted tool uses of `output` when the caller counts them. */
  const usageOf = (reported: ResponsesUsage, output?: readonly OutputItem[] | null) => {
    const result = toUsage(reported);
    const uses = toolUses?.(output?.length ? output : [...done.values()]);
    if (uses) result.hosted_tools = uses;
    return result;
  };

  // The role goes out with the first output: a failure before it still fails the attempt over.
  const start = () => {
    if (started) return;
    started = true;
    writer.role();
    for (const data of held) writer.carry(data);
    held.length = 0;
  };
  const text = (delta: string) => {
    if (!delta) return;
    start();
    written += delta.length;
    writer.text(delta);
  };
  const refusal = (delta: string | undefined) => {
    if (!delta) return;
    start();
    writer.refusal(delta);
  };

  const fail = (error: ResponsesFailure | null | undefined, output?: readonly OutputItem[] | null) => {
    const failure = failedResponse(provider, error);
    if (!started) throw failure; // nothing sent: a failed attempt
    ended = true;
    if (usage) writer.usage(usageOf(usage, output));
    writer.failed(failure);
    writer.done();
  };

  const addItem = (output: number, item: OutputItem) => {
    if (item.type !== 'function_call' && item.type !== 'custom_tool_call') return;
    if (calls.has(output)) return;
    const call: Call = {
      index: calls.size,
      kind: item.type === 'custom_tool_call' ? 'custom' : 'function',
      sent: false,
    };
    calls.set(output, call);
    start();
    const id = item.call_id ?? item.id ?? undefined;
    const name = item.name ?? '';
    writer.toolCall(
      call.kind === 'custom'
        ? { index: call.index, id, type: 'custom', custom: { name, input: '' } }
        : { index: call.index, id, type: 'function', function: { name, arguments: '' } },
    );
  };

  const callFragment = (output: number, fragment: string) => {
    const call = calls.get(output);
    if (!call || !fragment) return;
    call.sent = true;
    writer.toolCall(
      call.kind === 'custom'
        ? { index: call.index, custom: { input: fragment } }
        : { index: call.index, function: { arguments: fragment } },
    );
  };

  /**
   * An item complete: what its deltas did not carry (a call without fragments, a message or
   * reasoning that came whole, as some OpenAI-compatible servers send them).
   */
  const itemDone = (output: number, item: OutputItem) => {
    addItem(output, item);
    if (item.type === 'message' && !said.has(output)) {
      for (const part of item.content ?? []) {
        if (part.type === 'output_text') text(part.text ?? '');
        else if (part.type === 'refusal') refusal(part.refusal);
      }
    }
    const call = calls.get(output);
    if (call && !call.sent) {
      // A call without arguments streams none: "{}", never "" (which clients fail to parse).
      const whole = call.kind === 'custom' ? (item.input ?? '') : item.arguments || '{}';
      if (whole) callFragment(output, whole);
      call.sent = true;
    }
    if (item.type !== 'reasoning') return;
    if (!reasoned.has(output)) {
      const summary = reasoningText(item);
      if (summary) {
        start();
        writer.reasoning(summary);
      }
      reasoned.add(output);
    }
    const block = encryptedReasoning(item, provider);
    if (!block) return;
    // Asked for each block as it completes (ChatCall.thinkingAsSigned: /v1/responses), it goes out
    // now, so the item it belongs to ends before the text or call after it, as OpenAI's did.
    if (asSigned) {
      start();
      writer.thinkingBlocks([block]);
    } else encrypted.push(block);
  };

  const onEvent = ({ data }: EventSourceMessage) => {
    if (ended) return;
    if (carry) {
      if (started) writer.carry(data);
      else held.push(data);
    }
    const event = parseEventData(eventSchema, data);
    if (!event) return;
    const output = event.output_index ?? 0;
    switch (event.type) {
      case 'response.output_text.delta':
        said.add(output);
        text(event.delta ?? '');
        return;
      case 'response.refusal.delta':
        said.add(output);
        refusal(event.delta);
        return;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        if (!event.delta) return;
        start();
        reasoned.add(output);
        writer.reasoning(event.delta);
        return;
      case 'response.reasoning_summary_part.added':
        // Summary parts are paragraphs: apart, as in the JSON answer.
        if ((event.summary_index ?? 0) > 0 && reasoned.has(output)) writer.reasoning('\n\n');
        return;
      case 'response.output_text.annotation.added':
        if (!event.annotation) return;
        start();
        writer.annotations([chatAnnotation(event.annotation, partStart)]);
        return;
      case 'response.content_part.added':
        partStart = written;
        return;
      case 'response.output_item.added':
        if (carry) start();
        if (event.item) addItem(output, event.item);
        return;
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
        callFragment(output, event.delta ?? '');
        return;
      case 'response.output_item.done':
        if (!event.item) return;
        if (toolUses) done.set(output, event.item);
        itemDone(output, event.item);
        return;
      case 'response.completed':
      case 'response.incomplete': {
        const response = event.response;
        usage = response?.usage ?? usage;
        ended = true;
        start();
        const fields = response?.service_tier ? { service_tier: response.service_tier } : {};
        writer.thinkingBlocks(encrypted);
        writer.finish(
          finishReason(
            { status: response?.status ?? 'completed', incomplete_details: response?.incomplete_details },
            calls.size > 0,
          ),
          0,
          fields,
        );
        if (usage) writer.usage(usageOf(usage, response?.output));
        writer.done();
        return;
      }
      case 'response.failed':
        usage = event.response?.usage ?? usage;
        fail(event.response?.error, event.response?.output);
        return;
      case 'error':
        fail({
          code: event.error?.code ?? event.code,
          message: event.error?.message ?? event.message,
          type: event.error?.type,
        });
        return;
      default:
        return; // response.created, in_progress, *.done repeats, and events added later
    }
  };
  return translateSSE(upstream, writer, onEvent, () => {
    // Closed without a terminal event: cut short. Usage first, then the error; never a made-up
    // finish that a cache would keep. Nothing said at all: an empty stream, a failed attempt.
    if (!started || ended) return;
    ended = true;
    if (usage) writer.usage(usageOf(usage));
    writer.cutShort();
    writer.done();
  });
}
