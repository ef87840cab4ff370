// The reasoning items of a Responses event stream (responses-stream.ts): the readable reasoning as an
// item's summary, streamed, and what signs it packed into the item's `encrypted_content` when it is
// done (responses-reasoning.ts). The route asks for each of Anthropic's and Bedrock's signed blocks
// as soon as the provider finished it (ChatCall.thinkingAsSigned): each closes its item, before the
// text or call after it. Claude's reasoning through OpenRouter comes as `reasoning_details`
// fragments (reasoning-details.ts): each of its blocks is an item, done with the block when its
// signature comes. A signature that comes after its item was done (OpenRouter may send it once the
// text began) brings the block again, signed, as an item of its own with no summary: a done item
// cannot change, and sent back, that item's packing is what Claude checks. Reasoning no signature
// follows (DeepSeek's) is done, packed unsigned, when the text or a call starts.
import type { ClaudeDetail } from '../providers/reasoning-details';
import type { ReasoningBlock } from '../providers/thinking';
import { reasoningItem, summaryPart } from './responses-reasoning';

type Json = Record<string, unknown>;

/** The open reasoning item: its summary text so far. */
interface OpenReasoning {
  index: number;
  id: string;
  text: string;
  /** The `index` of the OpenRouter block it streams, where it streams one. */
  detail?: number | undefined;
  /** Whether a signature for its block came. */
  signed: boolean;
}

/** What the reasoning items need of the stream they are in. */
export interface ReasoningSink {
  emit(type: string, fields: Json): void;
  /** The response's output items so far: a new item takes the next place. */
  output: Json[];
  /** Ends the message and the calls open, as a reasoning item starts after them. */
  closeOthers(): void;
}

export class ReasoningItems {
  private open: OpenReasoning | undefined;
  private count = 0;
  /** The item each OpenRouter block index streamed its text into (detail), done or not. */
  private readonly streamed = new Map<number | undefined, OpenReasoning>();

  constructor(
    private readonly sink: ReasoningSink,
    private readonly baseId: string,
  ) {}

  /** More readable reasoning, in the open item's summary (an item opened for it if none is). */
  summary(text: string, detail?: number): OpenReasoning {
    const open = this.open ?? this.start(detail);
    const at = { item_id: open.id, output_index: open.index, summary_index: 0 };
    if (open.text === '')
      this.sink.emit('response.reasoning_summary_part.added', { ...at, part: summaryPart('') });
    open.text += text;
    this.sink.emit('response.reasoning_summary_text.delta', { ...at, delta: text });
    return open;
  }

  /** The open item done, `blocks` packed in it (none: its summary text, unsigned). */
  close(status: string, blocks: ReasoningBlock[] = []): void {
    const { open, sink } = this;
    if (!open) return;
    const { index, id, text } = open;
    if (text !== '') {
      const at = { item_id: id, output_index: index, summary_index: 0 };
      sink.emit('response.reasoning_summary_text.done', { ...at, text });
      sink.emit('response.reasoning_summary_part.done', { ...at, part: summaryPart(text) });
    }
    sink.output[index] = reasoningItem(id, text, blocks, status);
    sink.emit('response.output_item.done', { output_index: index, item: sink.output[index] });
    this.open = undefined;
  }

  /** Signed blocks a provider finished (a `thinking_blocks` delta): the open item (or a new one) done with them. */
  signed(blocks: ReasoningBlock[], detail?: number): void {
    if (!this.open) this.start(detail);
    this.close('completed', blocks);
  }

  /**
   * A fragment of Claude's reasoning as OpenRouter streams it: more text of its block (another
   * index: the block before is over), the signature that ends it, or a redacted block, whole. A
   * signature with no text before it (thinking display omitted) signs an empty block.
   */
  detail(detail: ClaudeDetail): void {
    if (detail.kind === 'redacted') {
      this.close('completed');
      this.signed([{ type: 'redacted_thinking', data: detail.data }]);
      return;
    }
    const streamed = this.streamed.get(detail.index);
    if (detail.text === '' && detail.signature !== '' && streamed && streamed !== this.open) {
      if (streamed.signed) return;
      streamed.signed = true;
      this.close('completed');
      this.signed([{ type: 'thinking', thinking: streamed.text, signature: detail.signature }], detail.index);
      return;
    }
    if (this.open && this.open.detail !== detail.index) this.close('completed');
    if (detail.text !== '') this.streamed.set(detail.index, this.summary(detail.text, detail.index));
    if (detail.signature === '') return;
    const open = this.open ?? this.start(detail.index);
    open.signed = true;
    this.close('completed', [{ type: 'thinking', thinking: open.text, signature: detail.signature }]);
  }

  private start(detail: number | undefined): OpenReasoning {
    this.sink.closeOthers();
    const { output } = this.sink;
    const index = output.length;
    const id = this.count === 0 ? this.baseId : `${this.baseId}_${this.count}`;
    this.count++;
    output.push(reasoningItem(id, '', [], 'in_progress'));
    this.sink.emit('response.output_item.added', { output_index: index, item: output[index] });
    this.open = { index, id, text: '', detail, signed: false };
    return this.open;
  }
}
