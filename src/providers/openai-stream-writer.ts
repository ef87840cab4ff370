// Builds OpenAI chat.completion.chunk frames, for adapters that translate a native stream.
// Contract of every adapter stream: role first, then deltas, one chunk with finish_reason per
// choice, a usage-only chunk (choices: []) when the provider reported usage, then [DONE].
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type * as z from 'zod';
import { SSE_DONE, sseData } from '../openai/sse';
import { CUT_SHORT } from '../openai/stream-errors';
import type { OutputImage } from './output-images';
import type { SignedExtra } from './thought-signature';
import type { UpstreamError, Usage } from './types';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export type ToolCallDelta =
  /** A Gemini call's thought signature rides on the delta that starts it (thought-signature.ts). */
  | ({
      index: number;
      id?: string;
      type?: 'function';
      function: { name?: string; arguments: string };
    } & SignedExtra)
  /** A custom tool's call (GPT-5's freeform tools): its free-text input in fragments. */
  | { index: number; id?: string; type?: 'custom'; custom: { name?: string; input: string } };

export class OpenAIStreamWriter {
  private frames = '';
  constructor(
    readonly id: string,
    readonly model: string,
    readonly created = Math.floor(Date.now() / 1000),
  ) {}

  private chunk(
    delta: Record<string, unknown>,
    finish: FinishReason | null = null,
    index = 0,
    fields: Record<string, unknown> = {},
  ): void {
    this.frames += sseData({
      ...fields,
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index, delta, logprobs: null, finish_reason: finish }],
    });
  }

  /** `fields`: top-level fields of the provider's own known as the answer starts (see finish). */
  role(index = 0, fields: Record<string, unknown> = {}): void {
    this.chunk({ role: 'assistant', content: '' }, null, index, fields);
  }
  text(content: string, index = 0): void {
    if (content) this.chunk({ content }, null, index);
  }
  refusal(refusal: string, index = 0): void {
    this.chunk({ refusal }, null, index);
  }
  toolCall(call: ToolCallDelta, index = 0): void {
    this.chunk({ tool_calls: [call] }, null, index);
  }
  /** Annotations of the text so far (url_citation: indexes into the whole content). */
  annotations(annotations: unknown[], index = 0): void {
    if (annotations.length > 0) this.chunk({ annotations }, null, index);
  }
  /** Images the model made (output-images.ts), in the order it made them. */
  images(images: readonly OutputImage[], index = 0): void {
    if (images.length > 0) this.chunk({ images }, null, index);
  }
  /** Reasoning text to show (`reasoning_content`, as DeepSeek and vLLM stream it). */
  reasoning(text: string, index = 0): void {
    if (text) this.chunk({ reasoning_content: text }, null, index);
  }
  /**
   * A provider's reasoning blocks, whole, to be sent back in a later request (see anthropic.ts):
   * all in one delta, since the SDKs' stream helpers cannot join list deltas without an index.
   */
  thinkingBlocks(blocks: readonly object[], index = 0): void {
    if (blocks.length > 0) this.chunk({ thinking_blocks: blocks }, null, index);
  }
  /**
   * `fields`: top-level fields of the provider's own that belong to the whole answer (Bedrock's
   * `additionalModelResponseFields`), beside the chunk's standard ones, which they cannot replace.
   */
  finish(reason: FinishReason, index = 0, fields: Record<string, unknown> = {}): void {
    this.chunk({}, reason, index, fields);
  }
  usage(usage: Usage): void {
    this.choiceless({ usage });
  }
  /**
   * A provider's event carried whole, for a client served the provider's own stream (ChatCall.
   * native): a chunk without choices, the event's data as a string, which no scan of the chat stream
   * (usage, finish, answer text) reads into (src/openai/carried-events.ts unwraps it).
   */
  carry(event: string): void {
    this.choiceless({ native_event: event });
  }
  /** A chunk of the whole answer's (`choices` empty) with `fields`. */
  private choiceless(fields: Record<string, unknown>): void {
    this.frames += sseData({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      ...fields,
    });
  }
  /** An OpenAI-shaped error event; OpenAI SDKs raise it as an APIError. */
  error(message: string, code = 'upstream_error', type = 'api_error'): void {
    this.frames += sseData({ error: { message, type, param: null, code } });
  }
  /**
   * A provider's failure mid-stream. A rate limit goes by the code the relay keeps for it
   * (stream-errors.ts) whatever the provider named it (Bedrock's ThrottlingException), so a client
   * can tell it to back off; any other failure by the provider's code.
   */
  failed(error: UpstreamError): void {
    if (error.failure === 'rate_limit') this.error(error.message, 'rate_limit_exceeded', 'rate_limit_error');
    else this.error(error.message, error.options.code ?? 'upstream_error');
  }
  /** The upstream closed before its answer finished: an error event, never a made-up finish. */
  cutShort(): void {
    this.error(CUT_SHORT);
  }
  done(): void {
    this.frames += SSE_DONE;
  }
  /** Frames written since the last take. */
  take(): string {
    const frames = this.frames;
    this.frames = '';
    return frames;
  }
}

/**
 * Translates a provider's SSE stream incrementally: each provider event is handed to `onEvent`
 * with the writer; whatever it wrote is sent on at once. `onEnd` runs at EOF (write the final
 * chunks there if the provider's terminator never came). `onFail`, when given, is told of an
 * upstream that fails mid-read: it throws to fail the stream with it, or writes how it ends.
 */
export function translateSSE(
  upstream: ReadableStream<Uint8Array>,
  writer: OpenAIStreamWriter,
  onEvent: (event: EventSourceMessage, writer: OpenAIStreamWriter) => void,
  onEnd: (writer: OpenAIStreamWriter) => void,
  onFail: (error: unknown, writer: OpenAIStreamWriter) => void = (error) => {
    throw error;
  },
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const parser = createParser({ onEvent: (event) => onEvent(event, writer) });
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          let read: ReadableStreamReadResult<Uint8Array>;
          try {
            read = await reader.read();
          } catch (error) {
            onFail(error, writer);
            const rest = writer.take();
            if (rest) controller.enqueue(encoder.encode(rest));
            controller.close();
            return;
          }
          const { done, value } = read;
          if (done) {
            parser.feed(decoder.decode());
            onEnd(writer);
            const rest = writer.take();
            if (rest) controller.enqueue(encoder.encode(rest));
            controller.close();
            return;
          }
          parser.feed(decoder.decode(value, { stream: true }));
          const frames = writer.take();
          if (frames) {
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

/** A provider event's data checked against `schema`; undefined for anything else, which is ignored. */
export function parseEventData<S extends z.ZodType>(schema: S, data: string): z.output<S> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
