// The content blocks of an Anthropic stream (anthropic-stream.ts): text, tool calls (the JSON tool's
// input: the answer itself) and thinking blocks, each from its start through its deltas to its stop.
import type * as z from 'zod';
import type { eventSchema } from './anthropic-response';
import type { AnthropicStreamAnswer } from './anthropic-stream-answer';
import { JSON_TOOL } from './anthropic-tools';
import type { OpenAIStreamWriter } from './openai-stream-writer';
import type { ThinkingBlock } from './thinking';
import { placed } from './thinking-order';

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

export class AnthropicStreamBlocks {
  private readonly blocks = new Map<number, BlockKind>();
  /** Thinking blocks as they complete, not sent yet. */
  readonly thinking: ThinkingBlock[] = [];
  /** Tool calls so far, the JSON tool not counted: the next one's index. */
  tools = 0;

  constructor(
    private readonly answer: AnthropicStreamAnswer,
    private readonly writer: OpenAIStreamWriter,
    private readonly jsonTool: boolean,
    private readonly asSigned: boolean,
    private readonly carry: boolean,
  ) {}

  blockStart(index: number, block: ContentBlock | undefined): void {
    if (this.carry) this.answer.start();
    switch (block?.type) {
      case 'text':
        this.blocks.set(index, { kind: 'text' });
        this.answer.text(block.text ?? '');
        return;
      case 'tool_use':
        this.toolStart(index, block);
        return;
      case 'thinking':
        this.blocks.set(index, {
          kind: 'thinking',
          thinking: block.thinking ?? '',
          signature: block.signature ?? '',
          content: this.answer.written,
          calls: this.tools,
        });
        this.answer.reasoning(block.thinking ?? '');
        return;
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'redacted' });
        this.thinking.push(
          this.place({ type: 'redacted_thinking', data: block.data ?? '' }, this.answer.written, this.tools),
        );
        return;
      default:
        this.blocks.set(index, { kind: 'other' });
    }
  }

  private toolStart(index: number, { id, name }: ContentBlock): void {
    if (this.jsonTool && name === JSON_TOOL) {
      this.blocks.set(index, { kind: 'json', sentInput: false });
      this.answer.held = undefined; // the JSON is the answer: any text before it is not
      return;
    }
    const call = { kind: 'tool' as const, index: this.tools++, sentArguments: false };
    this.blocks.set(index, call);
    this.answer.start();
    this.writer.toolCall({ index: call.index, id, type: 'function', function: { name, arguments: '' } });
  }

  blockDelta(index: number, delta: BlockDelta | undefined): void {
    const block = this.blocks.get(index);
    switch (delta?.type) {
      case 'text_delta':
        if (block?.kind === 'text') this.answer.text(delta.text ?? '');
        return;
      case 'thinking_delta':
        if (block?.kind !== 'thinking') return;
        block.thinking += delta.thinking ?? '';
        this.answer.reasoning(delta.thinking ?? '');
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
      this.answer.start();
      this.writer.text(json);
    } else if (block?.kind === 'tool') {
      block.sentArguments = true;
      this.writer.toolCall({ index: block.index, function: { arguments: json } });
    }
  }

  // A tool called without arguments streams no JSON at all: its arguments are "{}", as in the JSON
  // answer, never "" (which clients fail to parse). So is the JSON tool's input, the answer itself.
  blockStop(index: number): void {
    const block = this.blocks.get(index);
    switch (block?.kind) {
      case 'tool':
        if (block.sentArguments) return;
        block.sentArguments = true;
        this.writer.toolCall({ index: block.index, function: { arguments: '{}' } });
        return;
      case 'json':
        if (block.sentInput) return;
        block.sentInput = true;
        this.answer.start();
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

  /** A thinking block at its place; the JSON tool's answer is not the text counted: first there. */
  private place<B extends object>(block: B, content: number, calls: number): B {
    return this.jsonTool ? block : placed(block, content, calls);
  }

  /** The completed thinking blocks sent on now, in their order, when asked to (`asSigned`). */
  private signed(): void {
    if (!this.asSigned || this.thinking.length === 0) return;
    this.answer.start();
    this.writer.thinkingBlocks(this.thinking.splice(0));
  }
}
