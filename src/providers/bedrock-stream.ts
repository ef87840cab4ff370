// Bedrock's binary ConverseStream → OpenAI chunks, event by event as it arrives: role, text,
// reasoning, image and tool-call deltas, the finish, usage and [DONE].
import * as z from 'zod';
import { EventStreamDecoder, type EventStreamMessage } from './aws-event-stream';
import { streamException } from './bedrock-errors';
import { StreamedImages } from './bedrock-images';
import {
  finishReason,
  malformed,
  responseFields,
  toUsage,
  usageSchema,
  withBedrockThinking,
} from './bedrock-response';
import { OpenAIStreamWriter } from './openai-stream-writer';
import { sendable, type ThinkingBlock } from './thinking';
import { placed } from './thinking-order';
import { UpstreamError } from './types';

const streamEvents = {
  contentBlockStart: z.looseObject({
    contentBlockIndex: z.number(),
    start: z.looseObject({
      toolUse: z.looseObject({ toolUseId: z.string(), name: z.string() }).optional(),
      /** An image block the model starts (Nova 2 Omni): its format (bedrock-images.ts); see toUsage too. */
      image: z.unknown().optional(),
    }),
  }),
  contentBlockDelta: z.looseObject({
    contentBlockIndex: z.number(),
    delta: z.looseObject({
      text: z.string().optional(),
      image: z.unknown().optional(),
      toolUse: z.looseObject({ input: z.string() }).optional(),
      reasoningContent: z
        .looseObject({
          text: z.string().optional(),
          signature: z.string().optional(),
          redactedContent: z.string().optional(),
        })
        .optional(),
    }),
  }),
  contentBlockStop: z.looseObject({ contentBlockIndex: z.number() }),
  messageStop: z.looseObject({
    stopReason: z.string().optional(),
    additionalModelResponseFields: z.unknown().optional(),
  }),
  metadata: z.looseObject({ usage: usageSchema.optional() }),
};

/**
 * Per-stream state: which Converse content block became which OpenAI tool call index, and the
 * reasoning blocks as they build up (sent whole, signed, before the finish, as for Anthropic; or
 * each as it completes, `asSigned`: ChatCall.thinkingAsSigned).
 */
class ConverseStreamState {
  private toolIndex = new Map<number, number>();
  /** Tool calls (by content block) that have streamed argument text: the others get "{}" at their stop. */
  private toolArguments = new Set<number>();
  /** Reasoning blocks building up, each with the text and tool calls before it (thinking-order.ts). */
  private reasoning = new Map<
    number,
    { text: string; signature: string; redacted: string; content: number; calls: number }
  >();
  /** The answer's text so far, in characters. */
  private written = 0;
  /** The model made an image: the usage counts the output as image tokens. */
  private madeImage = false;
  /** Image blocks receiving their bytes: each is relayed whole when it stops. */
  private images = new StreamedImages();
  private thinking: ThinkingBlock[] = [];
  private started = false;
  finished = false;
  constructor(
    readonly provider: string,
    private readonly asSigned = false,
  ) {}

  // The role goes out with the first thing said, not at messageStart nor with an empty text delta:
  // an exception before it (an overload) still fails the attempt, so the router can fail over.
  private start(writer: OpenAIStreamWriter): void {
    if (this.started) return;
    this.started = true;
    writer.role();
  }

  /** Writes what one event means; returns an error to end the stream with, if it was one. */
  handle(message: EventStreamMessage, writer: OpenAIStreamWriter): UpstreamError | undefined {
    const kind = message.headers[':message-type'];
    if (kind === 'exception' || kind === 'error') return streamException(this.provider, message);
    if (kind !== 'event') return undefined;
    const type = String(message.headers[':event-type']);
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(message.payload));
    } catch {
      return new UpstreamError('server', 200, `${this.provider} sent an unreadable stream event.`);
    }
    switch (type) {
      case 'messageStart':
        return undefined; // the role waits for content (see start)
      case 'contentBlockStart': {
        const event = streamEvents.contentBlockStart.safeParse(payload);
        if (event.success && event.data.start.image != null) {
          this.madeImage = true;
          this.images.start(event.data.contentBlockIndex, event.data.start.image);
        }
        const toolUse = event.success ? event.data.start.toolUse : undefined;
        if (!event.success || !toolUse) return undefined;
        const index = this.toolIndex.size;
        this.toolIndex.set(event.data.contentBlockIndex, index);
        this.start(writer);
        writer.toolCall({
          index,
          id: toolUse.toolUseId,
          type: 'function',
          function: { name: toolUse.name, arguments: '' },
        });
        return undefined;
      }
      case 'contentBlockDelta': {
        const event = streamEvents.contentBlockDelta.safeParse(payload);
        if (!event.success) return undefined;
        const { delta, contentBlockIndex } = event.data;
        if (delta.image != null) {
          this.madeImage = true;
          this.images.add(contentBlockIndex, delta.image);
        }
        if (delta.text) {
          this.start(writer);
          writer.text(delta.text);
          this.written += delta.text.length;
        }
        if (delta.reasoningContent) {
          const block = this.reasoning.get(contentBlockIndex) ?? {
            text: '',
            signature: '',
            redacted: '',
            content: this.written,
            calls: this.toolIndex.size,
          };
          this.reasoning.set(contentBlockIndex, block);
          const { text, signature, redactedContent } = delta.reasoningContent;
          if (text) {
            block.text += text;
            this.start(writer);
            writer.reasoning(text);
          }
          block.signature += signature ?? '';
          block.redacted += redactedContent ?? '';
        }
        const index = this.toolIndex.get(contentBlockIndex);
        if (delta.toolUse?.input && index !== undefined) {
          this.toolArguments.add(contentBlockIndex);
          writer.toolCall({ index, function: { arguments: delta.toolUse.input } });
        }
        return undefined;
      }
      case 'messageStop': {
        const event = streamEvents.messageStop.safeParse(payload);
        const stop = event.success ? event.data : undefined;
        const failed = malformed(this.provider, stop?.stopReason);
        if (failed) return failed;
        for (const index of [...this.reasoning.keys()]) this.closeReasoning(index);
        this.start(writer);
        writer.images(this.images.finishAll());
        writer.thinkingBlocks(withBedrockThinking(this.thinking).thinking_blocks ?? []);
        writer.finish(finishReason(stop?.stopReason), 0, responseFields(stop?.additionalModelResponseFields));
        this.finished = true;
        return undefined;
      }
      case 'metadata': {
        const event = streamEvents.metadata.safeParse(payload);
        if (event.success && event.data.usage) writer.usage(toUsage(event.data.usage, this.madeImage));
        return undefined;
      }
      case 'contentBlockStop': {
        const event = streamEvents.contentBlockStop.safeParse(payload);
        if (!event.success) return undefined;
        const block = event.data.contentBlockIndex;
        const image = this.images.finish(block);
        if (image) {
          this.start(writer);
          writer.images([image]);
        }
        if (this.closeReasoning(block) && this.asSigned) {
          const signed = this.thinking.splice(0).filter(sendable);
          if (signed.length > 0) {
            this.start(writer);
            writer.thinkingBlocks(signed);
          }
        }
        // A tool called without arguments streams no input at all: its arguments are "{}", as in
        // the JSON answer, never "" (which clients fail to parse).
        const index = this.toolIndex.get(block);
        if (index !== undefined && !this.toolArguments.has(block)) {
          this.toolArguments.add(block);
          writer.toolCall({ index, function: { arguments: '{}' } });
        }
        return undefined;
      }
      default:
        return undefined; // events this gateway does not know yet
    }
  }

  /** A reasoning block complete: kept, whole, for the thinking_blocks sent before the finish. */
  private closeReasoning(index: number): boolean {
    const block = this.reasoning.get(index);
    if (!block) return false;
    this.reasoning.delete(index);
    const whole: ThinkingBlock = block.redacted
      ? { type: 'redacted_thinking', data: block.redacted }
      : { type: 'thinking', thinking: block.text, signature: block.signature };
    this.thinking.push(placed(whole, block.content, block.calls));
    return true;
  }
}

/**
 * Translates a ConverseStream body. A failure before anything was sent is thrown as an
 * UpstreamError (so the router can still fail over); after that it becomes an OpenAI error event.
 */
export function translateConverseStream(
  upstream: ReadableStream<Uint8Array>,
  provider: string,
  id: string,
  model: string,
  asSigned = false,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const decoder = new EventStreamDecoder();
  const writer = new OpenAIStreamWriter(id, model);
  const state = new ConverseStreamState(provider, asSigned);
  const encoder = new TextEncoder();
  /** Something was sent (the role comes with the first content): a failure is an error event now. */
  let started = false;

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, error: UpstreamError) => {
    reader.cancel().catch(() => {});
    if (!started) {
      controller.error(error);
      return;
    }
    writer.failed(error);
    controller.enqueue(encoder.encode(writer.take()));
    controller.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            if (!state.finished || decoder.pendingBytes > 0) {
              fail(
                controller,
                new UpstreamError(
                  'network',
                  0,
                  `${provider} ended the stream before the message was complete.`,
                ),
              );
              return;
            }
            writer.done();
            controller.enqueue(encoder.encode(writer.take()));
            controller.close();
            return;
          }
          let messages: EventStreamMessage[];
          try {
            messages = decoder.push(value);
          } catch (error) {
            fail(
              controller,
              new UpstreamError(
                'server',
                200,
                `${provider} sent a malformed stream (${(error as Error).message}).`,
              ),
            );
            return;
          }
          for (const message of messages) {
            const error = state.handle(message, writer);
            if (error) {
              fail(controller, error);
              return;
            }
          }
          const frames = writer.take();
          if (frames) {
            started = true;
            controller.enqueue(encoder.encode(frames));
            return;
          }
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
