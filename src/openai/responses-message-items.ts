// The message items of a Responses event stream (responses-stream.ts): the answer's text, or a
// refusal, streamed as the one content part of an item — a new item where the kind changes or
// another item came between (text after a tool call: rare), each with an id of its own.
import { messageItem, textPart } from './responses-answer';

type Json = Record<string, unknown>;

/** The open message item: its text (or refusal) so far. */
interface OpenMessage {
  index: number;
  id: string;
  kind: 'text' | 'refusal';
  text: string;
  /** The text's token logprobs so far (when the request asked for top_logprobs). */
  logprobs: Json[];
}

/** What the message items need of the stream they are in. */
export interface MessageSink {
  emit(type: string, fields: Json): void;
  /** The response's output items so far: a new item takes the next place. */
  output: Json[];
  /** Ends the reasoning and the calls open, as a message item starts after them. */
  closeOthers(): void;
}

export class MessageItems {
  private open: OpenMessage | undefined;
  private count = 0;

  constructor(
    private readonly sink: MessageSink,
    private readonly baseId: string,
  ) {}

  /** How many message items the answer began. */
  get begun(): number {
    return this.count;
  }

  /** More text (with its tokens' logprobs) or refusal, in the open item if it is of that kind. */
  add(kind: OpenMessage['kind'], value: string, logprobs: Json[] = []): void {
    const open = this.open?.kind === kind ? this.open : this.start(kind);
    open.text += value;
    const at = { item_id: open.id, output_index: open.index, content_index: 0 };
    if (kind === 'refusal') {
      this.sink.emit('response.refusal.delta', { ...at, delta: value });
      return;
    }
    open.logprobs.push(...logprobs);
    this.sink.emit('response.output_text.delta', { ...at, delta: value, logprobs });
  }

  /** The open item done. */
  close(status: string): void {
    const { open, sink } = this;
    if (!open) return;
    const { index, id, kind, text, logprobs } = open;
    const at = { item_id: id, output_index: index, content_index: 0 };
    const part = kind === 'text' ? textPart(text, logprobs) : { type: 'refusal', refusal: text };
    if (kind === 'text') sink.emit('response.output_text.done', { ...at, text, logprobs });
    else sink.emit('response.refusal.done', { ...at, refusal: text });
    sink.emit('response.content_part.done', { ...at, part });
    sink.output[index] = messageItem(id, status, [part]);
    sink.emit('response.output_item.done', { output_index: index, item: sink.output[index] });
    this.open = undefined;
  }

  /** A new item added, after whatever was open. */
  start(kind: OpenMessage['kind']): OpenMessage {
    this.sink.closeOthers();
    this.close('completed');
    const { output } = this.sink;
    const index = output.length;
    const id = this.count === 0 ? this.baseId : `${this.baseId}_${this.count}`;
    this.count++;
    output.push(messageItem(id, 'in_progress', []));
    this.sink.emit('response.output_item.added', { output_index: index, item: output[index] });
    const part = kind === 'text' ? textPart('') : { type: 'refusal', refusal: '' };
    this.sink.emit('response.content_part.added', {
      item_id: id,
      output_index: index,
      content_index: 0,
      part,
    });
    this.open = { index, id, kind, text: '', logprobs: [] };
    return this.open;
  }
}
