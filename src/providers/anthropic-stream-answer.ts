// The answer an Anthropic stream (anthropic-stream.ts) writes: when it starts, its text (held back
// in JSON mode), its reasoning and its usage. The content blocks (anthropic-stream-blocks.ts) write
// through it.
import { type AnthropicUsage, promptUsage, toUsage } from './anthropic-usage';
import type { OpenAIStreamWriter } from './openai-stream-writer';

/** JSON mode: text held back past this is no preamble to a JSON tool call but the answer. */
const PREAMBLE_CHARS = 400;

export class AnthropicStreamAnswer {
  /** Events to carry, kept until the answer starts. */
  private readonly waiting: string[] = [];
  usage: AnthropicUsage | undefined;
  /**
   * JSON mode: text is held back until the answer ends, and dropped if the JSON tool is called.
   * With thinking on, the tool cannot be forced (tool_choice auto), and a model may write a line
   * ("Here is the JSON:") before calling it: glued to the JSON, the answer would not parse.
   */
  held: string | undefined;
  /** The answer's text so far, in characters: where a thinking block starts (thinking-order.ts). */
  written = 0;
  /** Something was written: from here on a failure is a mid-stream error, not a failed attempt. */
  started = false;

  constructor(
    private readonly writer: OpenAIStreamWriter,
    jsonTool: boolean,
  ) {
    this.held = jsonTool ? '' : undefined;
  }

  /** An upstream event to carry whole: sent on once the answer has started, else kept till then. */
  carried(data: string): void {
    if (this.started) this.writer.carry(data);
    else this.waiting.push(data);
  }

  // The role goes out with the first content, not at message_start nor with an empty block: an
  // error before it (an overload) still fails the attempt, so the router can fail over.
  start(): void {
    if (this.started) return;
    this.started = true;
    this.writer.role(0, this.usage ? { prompt_usage: promptUsage(toUsage(this.usage)) } : {});
    for (const data of this.waiting) this.writer.carry(data);
    this.waiting.length = 0;
  }

  text(chunk: string): void {
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
  reasoning(chunk: string): void {
    if (chunk) this.start();
    this.writer.reasoning(chunk);
  }

  /** The held text, sent as it is; from here on text goes straight out. */
  release(): void {
    if (this.held) this.writer.text(this.held);
    this.held = undefined;
  }

  sendUsage(): void {
    if (this.usage) this.writer.usage(toUsage(this.usage));
  }
}
