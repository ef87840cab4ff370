// Anthropic Messages' SSE stream → OpenAI chunks, incrementally, one provider event at a time. The
// JSON answer's translation (anthropic-response.ts) holds the schemas, finish reason and stop
// sequence field it shares.
import type { z } from 'zod';
import { anthropicError } from './anthropic-error';
import { eventSchema, finishReason, stopSequenceField } from './anthropic-response';
import { JSON_TOOL } from './anthropic-tools';
import { type AnthropicUsage, definedOnly, promptUsage, toUsage } from './anthropic-usage';
import { type OpenAIStreamWriter, parseEventData, translateSSE } from './openai-stream-writer';
import type { ThinkingBlock } from './thinking';
import { placed } from './thinking-order';
import { UpstreamError } from './types';

/** JSON mode: text held back past this is no preamble to a JSON tool call but the answer. */
const PREAMBLE_CHARS = 400;

type StreamEvent = z.infer<typeof eventSchema>;
type ContentBlock = NonNullable<StreamEvent['content_block']>;
type BlockDelta = NonNullable<StreamEvent['delta']>;

type BlockKind =
  | { kind: 'text' }
  | { kind: 'json'; sentInput: boolean }
  | { kind: 'tool'; index: number; sentArguments: boolean }
  | { kind: 'thinking'; thinking: string; signature: string; content: number; calls: number }
  | { kind: 'redacted' }
  | { kind: 'other' };

/** One answer's translation: what each event means, given the events before it (translateStream). */
class AnthropicStreamState {
  /** Events to carry, kept until the answer starts. */
  private readonly waiting: string[] = [];
  private readonly blocks = new Map<number, BlockKind>();
  /** Thinking blocks as they complete, not sent yet. */
  private readonly thinking: ThinkingBlock[] = [];
  private usage: AnthropicUsage | undefined;
  private stop: string | null | undefined;
  private stopSequence: string | null | undefined;
  /** Tool calls so far, the JSON tool not counted: the next one's index. */
  private tools = 0;
  /**
   * JSON mode: text is held back until the answer ends, and dropped if the JSON tool is called.
   * With thinking on, the tool cannot be forced (tool_choice auto), and a model may write a line
   * ("Here is the JSON:") before calling it: glued to the JSON, the answer would not parse.
   */
  private held: string | undefined;
  /** The answer's text so far, in characters: where a thinking block starts (thinking-order.ts). */
  private written = 0;
  /** Something was written: from here on a failure is a mid-stream error, not a failed attempt. */
  private started = false;
  private ended = false;

  constructor(
    private readonly provider: string,
    private readonly writer: OpenAIStreamWriter,
    private readonly jsonTool: boolean,
    private readonly asSigned: boolean,
    private readonly carry: boolean,
  ) {
    this.held = jsonTool ? '' : undefined;
  }

  onEvent(data: string): void {
    if (this.ended) return;
    if (this.carry) {
      if (this.started) this.writer.carry(data);
      else this.waiting.push(data);
    }
    const event = parseEventData(eventSchema, data);
    if (!event) return; // not an Anthropic event: ignored like any unknown event
    const index = event.index ?? 0;
    switch (event.type) {
      case 'message_start':
        this.usage = event.message?.usage;
        return;
      case 'content_block_start':
        this.blockStart(index, event.content_block);
        return;
      case 'content_block_delta':
        this.blockDelta(this.blocks.get(index), event.delta);
        return;
      case 'content_block_stop':
        this.blockStop(this.blocks.get(index));
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
    if (!(error instanceof UpstreamError) || !this.started) throw error;
    if (this.ended) return;
    this.release();
    this.ended = true;
    this.sendUsage();
    this.writer.failed(error);
    this.writer.done();
  }

  /** The upstream closed: without message_stop, the answer was cut short. */
  closed(): void {
    if (!this.started || this.ended) return;
    this.ended = true;
    this.release();
    // Usage first (nothing after an error event is read), then the error: never a made-up finish
    // that a cache would keep.
    this.sendUsage();
    this.writer.cutShort();
    this.writer.done();
  }

  private blockStart(index: number, block: ContentBlock | undefined): void {
    if (this.carry) this.start();
    switch (block?.type) {
      case 'text':
        this.blocks.set(index, { kind: 'text' });
        this.text(block.text ?? '');
        return;
      case 'tool_use':
        this.toolStart(index, block);
        return;
      case 'thinking':
        this.blocks.set(index, {
          kind: 'thinking',
          thinking: block.thinking ?? '',
          signature: block.signature ?? '',
          content: this.written,
          calls: this.tools,
        });
        this.reasoning(block.thinking ?? '');
        return;
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'redacted' });
        this.thinking.push(
          this.place({ type: 'redacted_thinking', data: block.data ?? '' }, this.written, this.tools),
        );
        return;
      default:
        this.blocks.set(index, { kind: 'other' });
    }
  }

  private toolStart(index: number, { id, name }: ContentBlock): void {
    if (this.jsonTool && name === JSON_TOOL) {
      this.blocks.set(index, { kind: 'json', sentInput: false });
      this.held = undefined; // the JSON is the answer: any text before it is not
      return;
    }
    const call = { kind: 'tool' as const, index: this.tools++, sentArguments: false };
    this.blocks.set(index, call);
    this.start();
    this.writer.toolCall({ index: call.index, id, type: 'function', function: { name, arguments: '' } });
  }

  private blockDelta(block: BlockKind | undefined, delta: BlockDelta | undefined): void {
    switch (delta?.type) {
      case 'text_delta':
        if (block?.kind === 'text') this.text(delta.text ?? '');
        return;
      case 'thinking_delta':
        if (block?.kind !== 'thinking') return;
        block.thinking += delta.thinking ?? '';
        this.reasoning(delta.thinking ?? '');
        return;
      case 'signature_delta':
        if (block?.kind === 'thinking') block.signature += delta.signature ?? '';
        return;
      case 'input_json_delta':
        if (delta.partial_json) this.inputDelta(block, delta.partial_json);
        return;
    }
  }

  /** A fragment of a tool call's arguments, or of the JSON tool's input: the answer itself. */
  private inputDelta(block: BlockKind | undefined, json: string): void {
    if (block?.kind === 'json') {
      block.sentInput = true;
      this.start();
      this.writer.text(json);
    } else if (block?.kind === 'tool') {
      block.sentArguments = true;
      this.writer.toolCall({ index: block.index, function: { arguments: json } });
    }
  }

  // A tool called without arguments streams no JSON at all: its arguments are "{}", as in the JSON
  // answer, never "" (which clients fail to parse). So is the JSON tool's input, the answer itself.
  private blockStop(block: BlockKind | undefined): void {
    switch (block?.kind) {
      case 'tool':
        if (block.sentArguments) return;
        block.sentArguments = true;
        this.writer.toolCall({ index: block.index, function: { arguments: '{}' } });
        return;
      case 'json':
        if (block.sentInput) return;
        block.sentInput = true;
        this.start();
        this.writer.text('{}');
        return;
      case 'thinking': {
        // The whole block, signed, once it is complete: what a tool loop's next request sends back.
        const { thinking, signature, content, calls } = block;
        this.thinking.push(this.place({ type: 'thinking', thinking, signature }, content, calls));
        this.signed();
        return;
      }
      case 'redacted':
        this.signed();
        return;
    }
  }

  private messageDelta({ delta, usage }: StreamEvent): void {
    if (delta?.stop_reason !== undefined) this.stop = delta.stop_reason;
    if (delta?.stop_sequence !== undefined) this.stopSequence = delta.stop_sequence;
    // message_delta usage is cumulative; a field it carries replaces message_start's.
    if (usage) this.usage = { ...this.usage, ...definedOnly(usage) };
  }

  /** message_stop: the answer is complete. */
  private finish(): void {
    this.ended = true;
    this.start();
    this.release(); // JSON mode, but the tool was never called: the text is the answer
    this.writer.thinkingBlocks(this.thinking);
    const { stop, stopSequence } = this;
    this.writer.finish(finishReason(stop, this.tools > 0), 0, stopSequenceField(stop, stopSequence));
    this.sendUsage();
    this.writer.done();
  }

  private fail(failure: StreamEvent['error']): void {
    const error = anthropicError(this.provider, undefined, failure?.type, failure?.message);
    // Nothing sent yet: fail the attempt, so the router can still fail over.
    if (!this.started) throw error;
    this.release(); // what was said before the error, as outside JSON mode
    // Usage first: nothing after an error frame is read, and the request is settled on it.
    this.ended = true;
    this.sendUsage();
    this.writer.failed(error);
    this.writer.done();
  }

  // The role goes out with the first content, not at message_start nor with an empty block: an
  // error before it (an overload) still fails the attempt, so the router can fail over.
  private start(): void {
    if (this.started) return;
    this.started = true;
    this.writer.role(0, this.usage ? { prompt_usage: promptUsage(toUsage(this.usage)) } : {});
    for (const data of this.waiting) this.writer.carry(data);
    this.waiting.length = 0;
  }

  private text(chunk: string): void {
    this.written += chunk.length;
    if (chunk) this.start(); // held text too: it goes out before an error, as the answer so far
    if (this.held === undefined) {
      this.writer.text(chunk);
      return;
    }
    this.held += chunk;
    // Longer than a line before a tool call: the answer itself (the model chose not to call the
    // tool). Sent on, so the stream does not go quiet past the relay's idle timeout meanwhile.
    if (this.held.length > PREAMBLE_CHARS) this.release();
  }

  /** Reasoning to show: like text, the first that is not empty starts the answer. */
  private reasoning(chunk: string): void {
    if (chunk) this.start();
    this.writer.reasoning(chunk);
  }

  /** The held text, sent as it is; from here on text goes straight out. */
  private release(): void {
    if (this.held) this.writer.text(this.held);
    this.held = undefined;
  }

  /** A thinking block at its place; the JSON tool's answer is not the text counted: first there. */
  private place<B extends object>(block: B, content: number, calls: number): B {
    return this.jsonTool ? block : placed(block, content, calls);
  }

  /** The completed thinking blocks sent on now, in their order, when asked to (`asSigned`). */
  private signed(): void {
    if (!this.asSigned || this.thinking.length === 0) return;
    this.start();
    this.writer.thinkingBlocks(this.thinking.splice(0));
  }

  private sendUsage(): void {
    if (this.usage) this.writer.usage(toUsage(this.usage));
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
