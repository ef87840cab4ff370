// Anthropic Messages' SSE stream → OpenAI chunks, incrementally, one provider event at a time. The
// JSON answer's translation (anthropic-response.ts) holds the schemas, finish reason and stop
// sequence field it shares; the answer written (anthropic-stream-answer.ts) and the content blocks
// (anthropic-stream-blocks.ts) are their own files.
import type * as z from 'zod';
import { anthropicError } from './anthropic-error';
import { eventSchema, finishReason, stopSequenceField } from './anthropic-response';
import { AnthropicStreamAnswer } from './anthropic-stream-answer';
import { AnthropicStreamBlocks } from './anthropic-stream-blocks';
import { definedOnly } from './anthropic-usage';
import { type OpenAIStreamWriter, parseEventData, translateSSE } from './openai-stream-writer';
import { UpstreamError } from './types';

type StreamEvent = z.infer<typeof eventSchema>;

/** One answer's translation: what each event means, given the events before it (translateStream). */
class AnthropicStreamState {
  private readonly answer: AnthropicStreamAnswer;
  private readonly blocks: AnthropicStreamBlocks;
  private stop: string | null | undefined;
  private stopSequence: string | null | undefined;
  private ended = false;

  constructor(
    private readonly provider: string,
    private readonly writer: OpenAIStreamWriter,
    jsonTool: boolean,
    asSigned: boolean,
    private readonly carry: boolean,
  ) {
    this.answer = new AnthropicStreamAnswer(writer, jsonTool);
    this.blocks = new AnthropicStreamBlocks(this.answer, writer, jsonTool, asSigned, carry);
  }

  onEvent(data: string): void {
    if (this.ended) return;
    if (this.carry) this.answer.carried(data);
    const event = parseEventData(eventSchema, data);
    if (!event) return; // not an Anthropic event: ignored like any unknown event
    const index = event.index ?? 0;
    switch (event.type) {
      case 'message_start':
        this.answer.usage = event.message?.usage;
        return;
      case 'content_block_start':
        this.blocks.blockStart(index, event.content_block);
        return;
      case 'content_block_delta':
        this.blocks.blockDelta(index, event.delta);
        return;
      case 'content_block_stop':
        this.blocks.blockStop(index);
        return;
      case 'message_delta':
        this.messageDelta(event);
        return;
      case 'message_stop':
        this.finish();
        return;
      case 'error':
        this.fail(event.error);
        return;
      default:
        return; // ping and event types added later
    }
  }

  /**
   * The upstream failed mid-read with `error`: an UpstreamError is a provider's error in other
   * framing (Bedrock's exception frame, bedrock-invoke-stream.ts), ended as an error event is
   * (fail): the attempt fails before the answer starts; after, the usage Claude counted goes first.
   */
  failed(error: unknown): void {
    if (!(error instanceof UpstreamError) || !this.answer.started) throw error;
    if (this.ended) return;
    this.answer.release();
    this.ended = true;
    this.answer.sendUsage();
    this.writer.failed(error);
    this.writer.done();
  }

  /** The upstream closed: without message_stop, the answer was cut short. */
  closed(): void {
    if (!this.answer.started || this.ended) return;
    this.ended = true;
    this.answer.release();
    // Usage first (nothing after an error event is read), then the error: never a made-up finish
    // that a cache would keep.
    this.answer.sendUsage();
    this.writer.cutShort();
    this.writer.done();
  }

  private messageDelta({ delta, usage }: StreamEvent): void {
    if (delta?.stop_reason !== undefined) this.stop = delta.stop_reason;
    if (delta?.stop_sequence !== undefined) this.stopSequence = delta.stop_sequence;
    // message_delta usage is cumulative; a field it carries replaces message_start's.
    if (usage) this.answer.usage = { ...this.answer.usage, ...definedOnly(usage) };
  }

  /** message_stop: the answer is complete. */
  private finish(): void {
    this.ended = true;
    this.answer.start();
    this.answer.release(); // JSON mode, but the tool was never called: the text is the answer
    this.writer.thinkingBlocks(this.blocks.thinking);
    const { stop, stopSequence } = this;
    this.writer.finish(finishReason(stop, this.blocks.tools > 0), 0, stopSequenceField(stop, stopSequence));
    this.answer.sendUsage();
    this.writer.done();
  }

  private fail(failure: StreamEvent['error']): void {
    const error = anthropicError(this.provider, undefined, failure?.type, failure?.message);
    // Nothing sent yet: fail the attempt, so the router can still fail over.
    if (!this.answer.started) throw error;
    this.answer.release(); // what was said before the error, as outside JSON mode
    // Usage first: nothing after an error frame is read, and the request is settled on it.
    this.ended = true;
    this.answer.sendUsage();
    this.writer.failed(error);
    this.writer.done();
  }
}

/**
 * Anthropic SSE → OpenAI chunks, one provider event at a time. `asSigned`: each thinking block goes
 * out as it completes (ChatCall.thinkingAsSigned), else all together before the finish. `carry`:
 * each upstream event also goes out whole (OpenAIStreamWriter.carry) for a client served Anthropic's
 * own stream (ChatCall.native); those before the first content block are held, so that a failure
 * before it still fails the attempt over, and any content block (a server tool's call too) starts.
 */
export function translateStream(
  provider: string,
  upstream: ReadableStream<Uint8Array>,
  writer: OpenAIStreamWriter,
  jsonTool: boolean,
  asSigned = false,
  carry = false,
): ReadableStream<Uint8Array> {
  const state = new AnthropicStreamState(provider, writer, jsonTool, asSigned, carry);
  return translateSSE(
    upstream,
    writer,
    ({ data }) => state.onEvent(data),
    () => state.closed(),
    (error) => state.failed(error),
  );
}
