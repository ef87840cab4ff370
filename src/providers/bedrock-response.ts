// Bedrock Converse answers → OpenAI: the JSON response, and the binary ConverseStream translated
// event by event (role, text, image and tool-call deltas, finish, usage, [DONE]) as it arrives.
import { z } from 'zod';
import { EventStreamDecoder, type EventStreamMessage } from './aws-event-stream';
import { streamException } from './bedrock-errors';
import { converseImage, StreamedImages } from './bedrock-images';
import { assistantChoice, chatCompletion } from './chat-completion';
import { type FinishReason, OpenAIStreamWriter } from './openai-stream-writer';
import { imagesField } from './output-images';
import { sendable, type ThinkingBlock, withThinking } from './thinking';
import { placed } from './thinking-order';
import { type ChatCompletion, UpstreamError, type Usage } from './types';
import { parseAnswer } from './upstream-error';

const usageSchema = z.looseObject({
  inputTokens: z.number().default(0),
  outputTokens: z.number().default(0),
  cacheReadInputTokens: z.number().nullish(),
  cacheWriteInputTokens: z.number().nullish(),
});

const reasoningSchema = z.looseObject({
  reasoningText: z.looseObject({ text: z.string().default(''), signature: z.string().optional() }).optional(),
  redactedContent: z.string().optional(),
});

const blockSchema = z.looseObject({
  text: z.string().optional(),
  toolUse: z.looseObject({ toolUseId: z.string(), name: z.string(), input: z.unknown() }).optional(),
  reasoningContent: reasoningSchema.optional(),
  /** An image the model made (Nova 2 Omni): relayed as `images`, and it sets the rate its output is charged. */
  image: z.unknown().optional(),
});

/**
 * A Converse reasoning block in the gateway's shape (src/providers/thinking.ts); undefined if empty.
 * Unsigned reasoning (DeepSeek-R1's) is kept too, for its readable text, but never as a block to
 * send back (withBedrockThinking).
 */
function thinkingOf(reasoning: z.infer<typeof reasoningSchema>): ThinkingBlock | undefined {
  if (reasoning.reasoningText) {
    const { text, signature } = reasoning.reasoningText;
    return { type: 'thinking', thinking: text, signature: signature ?? '' };
  }
  if (reasoning.redactedContent) return { type: 'redacted_thinking', data: reasoning.redactedContent };
  return undefined;
}

/** `reasoning_content` from every block; `thinking_blocks` only of those a later request can send back. */
function withBedrockThinking(blocks: ThinkingBlock[]) {
  const { reasoning_content } = withThinking(blocks);
  const signed = blocks.filter(sendable);
  return {
    ...(reasoning_content ? { reasoning_content } : {}),
    ...(signed.length > 0 ? { thinking_blocks: signed } : {}),
  };
}

const converseResponse = z.looseObject({
  output: z.looseObject({
    message: z.looseObject({ content: z.array(blockSchema).default([]) }),
  }),
  stopReason: z.string(),
  usage: usageSchema.optional(),
  additionalModelResponseFields: z.unknown().optional(),
});

/**
 * The model-specific fields a request named in `additionalModelResponseFieldPaths`, which Converse
 * returns beside the message (and ConverseStream on messageStop): relayed under Bedrock's own name
 * as a top-level field of the answer, and only when they are an object.
 */
function responseFields(fields: unknown): { additionalModelResponseFields?: Record<string, unknown> } {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return {};
  return { additionalModelResponseFields: fields as Record<string, unknown> };
}

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function finishReason(stopReason: string | undefined): FinishReason {
  return STOP_REASONS[stopReason ?? ''] ?? 'stop';
}

/** Stop reasons of an answer the model failed to form: an attempt that failed, never a finished answer. */
const MALFORMED = new Set(['malformed_model_output', 'malformed_tool_use']);

function malformed(provider: string, stopReason: string | undefined): UpstreamError | undefined {
  if (!stopReason || !MALFORMED.has(stopReason)) return undefined;
  return new UpstreamError('server', 200, `${provider} could not form a valid answer (${stopReason}).`);
}

/**
 * Converse counts cached input apart from `inputTokens`; OpenAI's prompt_tokens includes it.
 * `madeImage`: the answer holds an image the model made. Converse's usage does not tell image
 * tokens from text (Nova 2 Omni bills them at $44 against $2.80 per million), so such an answer's
 * output is counted as image tokens (`image_tokens`) — its text too, at most a bound — and any
 * other answer's as text: a price with an image rate (imageOutputPerMTok) charges each at its own.
 */
export function toUsage(usage: z.infer<typeof usageSchema>, madeImage = false): Usage {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const prompt = usage.inputTokens + cacheRead + cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.outputTokens,
    total_tokens: prompt + usage.outputTokens,
    ...(cacheRead || cacheWrite
      ? { prompt_tokens_details: { cached_tokens: cacheRead, cache_creation_tokens: cacheWrite } }
      : {}),
    ...(madeImage && usage.outputTokens > 0
      ? { completion_tokens_details: { image_tokens: usage.outputTokens } }
      : {}),
  };
}

export function toCompletion(provider: string, raw: string, id: string, model: string): ChatCompletion {
  const parsed = parseAnswer(provider, raw, converseResponse);
  const failed = malformed(provider, parsed.stopReason);
  if (failed) throw failed;
  const blocks = parsed.output.message.content;
  const text = blocks.map((b) => b.text ?? '').join('');
  const toolCalls = blocks.flatMap((b) =>
    b.toolUse
      ? [
          {
            id: b.toolUse.toolUseId,
            type: 'function' as const,
            function: { name: b.toolUse.name, arguments: JSON.stringify(b.toolUse.input ?? {}) },
          },
        ]
      : [],
  );
  const choice = assistantChoice(
    text || (toolCalls.length ? null : ''),
    toolCalls,
    finishReason(parsed.stopReason),
  );
  // Each reasoning block with the text and tool calls before it (thinking-order.ts).
  const thinking: ThinkingBlock[] = [];
  let written = 0;
  let calls = 0;
  for (const b of blocks) {
    const block = b.reasoningContent && thinkingOf(b.reasoningContent);
    if (block) thinking.push(placed(block, written, calls));
    written += b.text?.length ?? 0;
    if (b.toolUse) calls++;
  }
  if (thinking.length > 0) Object.assign(choice.message, withBedrockThinking(thinking));
  Object.assign(choice.message, imagesField(blocks.flatMap((b) => converseImage(b.image) ?? [])));
  const madeImage = blocks.some((b) => b.image != null);
  const completion = chatCompletion(
    { id, model },
    [choice],
    parsed.usage ? toUsage(parsed.usage, madeImage) : undefined,
  );
  return { ...completion, ...responseFields(parsed.additionalModelResponseFields) };
}

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
