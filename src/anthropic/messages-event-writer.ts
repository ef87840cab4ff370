// The writing side of a Messages event stream (messages-stream.ts): each event one whole SSE event,
// enqueued at once, and the content blocks numbered in the order they start.

import { SSE_KEEP_ALIVE } from '../openai/sse';

type Json = Record<string, unknown>;

const encoder = new TextEncoder();

export class MessageEventWriter {
  /** How many content blocks started: the next one's index. */
  private blocks = 0;
  private out!: TransformStreamDefaultController<Uint8Array>;

  /** The stream's controller, known once it starts. */
  attach(controller: TransformStreamDefaultController<Uint8Array>): void {
    this.out = controller;
  }

  emit(type: string, fields: Json): void {
    this.out.enqueue(encoder.encode(`event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`));
  }

  /** Starts a content block, returning its index in the message. */
  open(block: Json): number {
    const index = this.blocks++;
    this.emit('content_block_start', { index, content_block: block });
    return index;
  }

  keepAlive(): void {
    this.out.enqueue(encoder.encode(SSE_KEEP_ALIVE));
  }
}
