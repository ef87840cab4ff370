// Responses input items → chat messages: each item checked by its type's schema, then messages,
// tool calls and their outputs, and reasoning items' thinking joined to its assistant turn.
// Function and custom tool calls and outputs sent back become chat's tool calls and tool messages,
// and image_generation_call items the `images` of their assistant turn (responses-images.ts).
import { invalidRequest, shownValue } from '../errors';
import type { OutputImage } from '../providers/output-images';
import { type ReasoningBlock, sendable } from '../providers/thinking';
import { checked } from './read-body';
import { resultImage } from './responses-images';
import { unpackReasoning } from './responses-reasoning';
import { type InputItem, type InputPart, inputItems } from './responses-schema';

type Json = Record<string, unknown>;

/** Input item `index`, checked by its type's schema; a type the gateway cannot translate is named. */
export function item(raw: Json, index: number): InputItem {
  const type = raw.type ?? 'message';
  const schema =
    typeof type === 'string' && Object.hasOwn(inputItems, type)
      ? inputItems[type as keyof typeof inputItems]
      : undefined;
  if (schema) return checked(schema, raw, ['input', index]);
  const param = `input[${index}].type`;
  // Item references are resolved before (src/responses-store/references.ts): none is left here.
  throw invalidRequest(
    `Invalid '${param}': '${shownValue(type)}' items are not supported by the gateway (${Object.keys(inputItems).join(', ')} are).`,
    param,
  );
}

/**
 * Input items → chat messages. A reasoning item's thinking joins the assistant turn it belongs to:
 * the one just before it (clients that keep items in the order their streams finished them put it
 * after the turn's message), or else the next one (OpenAI's order: reasoning first).
 */
export class Turns {
  /** Thinking of a reasoning item waiting for its assistant turn. */
  private pending: ReasoningBlock[] = [];
  /** Images of image_generation_call items waiting for their assistant turn. */
  private images: OutputImage[] = [];

  constructor(private readonly messages: Json[]) {}

  /**
   * An image_generation_call item sent back: the `images` of the assistant turn it belongs to (as
   * reasoning, the one just before it, which the gateway's answers put first, or else the next
   * one, or one of their own: finish), so the translations give the model its image back. One
   * whose bytes are of no image type the gateway can name is left out.
   */
  image(result: unknown): void {
    const image = resultImage(result);
    if (!image) return;
    const last = this.messages.at(-1);
    if (last?.role === 'assistant' && this.images.length === 0)
      last.images = [...((last.images as OutputImage[] | undefined) ?? []), image];
    else this.images.push(image);
  }

  add(item: InputItem, index: number): void {
    const { messages } = this;
    if (item.type === 'reasoning') {
      const blocks = unpackReasoning(item.encrypted_content, index);
      const last = messages.at(-1);
      if (last?.role === 'assistant') withThinking(last, blocks);
      else this.pending.push(...blocks);
      return;
    }
    if (item.type === 'function_call' || item.type === 'custom_tool_call') {
      const call =
        item.type === 'function_call'
          ? { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } }
          : { id: item.call_id, type: 'custom', custom: { name: item.name, input: item.input } };
      // Consecutive calls (and the text of the turn just before them) are one assistant turn in chat.
      const last = messages.at(-1);
      if (last?.role === 'assistant') {
        last.tool_calls = [...((last.tool_calls as unknown[] | undefined) ?? []), call];
        if (last.content === '') last.content = null;
      } else this.assistant({ role: 'assistant', content: null, tool_calls: [call] });
      return;
    }
    // Thinking with no assistant turn after it (a user message came first) belongs to none. A
    // message may leave out its type (the AI SDK's assistant messages do): its role says what it is.
    this.pending = 'role' in item && item.role === 'assistant' ? this.pending : [];
    // Images with no assistant turn after them before this item: an assistant turn of their own.
    if (!('role' in item && item.role === 'assistant') && this.images.length > 0)
      this.assistant({ role: 'assistant', content: null });
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      const content =
        typeof item.output === 'string' ? item.output : item.output.map((part) => chatPart(part));
      messages.push({ role: 'tool', tool_call_id: item.call_id, content });
      return;
    }
    if (item.role === 'assistant') {
      this.assistant(assistantTurn(item.content));
      return;
    }
    const content =
      typeof item.content === 'string' ? item.content : item.content.map((part) => chatPart(part));
    // A developer message (Codex sends its permissions so) is chat's system message: OpenAI takes
    // either for the other, where many OpenAI-compatible services refuse the newer role (DeepSeek:
    // "unknown variant `developer`", Qwen's DashScope) and would refuse every such turn.
    messages.push({ role: item.role === 'developer' ? 'system' : item.role, content });
  }

  /**
   * The input is over: images after its last turn that is not the assistant's (an answer of images
   * alone whose empty message the client left out, say) are an assistant turn of their own at the
   * end, as they are before any other item (add). Thinking waiting with them belongs to no turn,
   * as there. A request of images alone has no conversation for them to end.
   */
  finish(): void {
    this.pending = [];
    if (this.images.length > 0 && this.messages.length > 0)
      this.assistant({ role: 'assistant', content: null });
  }

  private assistant(turn: Json): void {
    withThinking(turn, this.pending);
    this.pending = [];
    if (this.images.length > 0) turn.images = this.images;
    this.images = [];
    this.messages.push(turn);
  }
}

/**
 * `blocks` added to an assistant turn: signed and redacted ones to its `thinking_blocks` (which go
 * to the provider first), unsigned text to its `reasoning_content` (DeepSeek's own field).
 */
function withThinking(turn: Json, blocks: ReasoningBlock[]): void {
  const signed = blocks.filter(sendable);
  if (signed.length > 0)
    turn.thinking_blocks = [...((turn.thinking_blocks as ReasoningBlock[] | undefined) ?? []), ...signed];
  const text = blocks
    .map((block) => (sendable(block) || block.type !== 'thinking' ? '' : block.thinking))
    .join('');
  if (text !== '')
    turn.reasoning_content = `${typeof turn.reasoning_content === 'string' ? turn.reasoning_content : ''}${text}`;
}

/** An assistant turn sent back: its text as the content, a refusal as chat's `refusal`. */
function assistantTurn(content: string | InputPart[]): Json {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  let refusal: string | undefined;
  for (const part of content) {
    if (part.type === 'refusal') refusal = (refusal ?? '') + part.refusal;
    else if (part.type === 'output_text' || part.type === 'input_text') text += part.text;
  }
  return refusal === undefined
    ? { role: 'assistant', content: text }
    : { role: 'assistant', content: text, refusal };
}

function chatPart(part: InputPart): Json {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text };
    case 'refusal':
      return { type: 'text', text: part.refusal };
    case 'input_image':
      if (part.image_url)
        return {
          type: 'image_url',
          image_url: { url: part.image_url, ...(part.detail ? { detail: chatDetail(part.detail) } : {}) },
        };
      // Chat takes an uploaded file by id only as a `file` part.
      if (part.file_id) return { type: 'file', file: { file_id: part.file_id } };
      throw invalidRequest('An input_image needs an image_url or a file_id.', 'input');
    case 'input_file': {
      const file: Json = {};
      if (part.file_id) file.file_id = part.file_id;
      if (part.file_data != null) file.file_data = part.file_data;
      if (part.filename != null) file.filename = part.filename;
      if (!file.file_id && file.file_data === undefined)
        throw invalidRequest(
          'An input_file needs file_data or a file_id (file_url is not supported).',
          'input',
        );
      return { type: 'file', file };
    }
  }
}

/**
 * The `detail` of each input_image that `input` (checked already: Turns) sends by file_id alone,
 * which its chat body carries as a file part (chatPart), as it carries the parts Turns keeps: those
 * of a message that is not the assistant's and those of a tool call's output. The estimate counts
 * them as images, not as files whose size it cannot see (limits/estimate.ts, inputEstimate).
 */
export function imagesById(input: string | readonly Json[]): (string | null | undefined)[] {
  if (typeof input === 'string') return [];
  const details: (string | null | undefined)[] = [];
  for (const raw of input) {
    const type = raw.type ?? 'message';
    const parts =
      type === 'function_call_output' || type === 'custom_tool_call_output'
        ? raw.output
        : type === 'message' && raw.role !== 'assistant'
          ? raw.content
          : undefined;
    if (!Array.isArray(parts)) continue;
    for (const part of parts as InputPart[])
      if (part.type === 'input_image' && !part.image_url && part.file_id) details.push(part.detail);
  }
  return details;
}

/** Chat's image detail for a Responses one: `original` has none, and `high` is the nearest. */
function chatDetail(detail: 'auto' | 'low' | 'high' | 'original'): 'auto' | 'low' | 'high' {
  return detail === 'original' ? 'high' : detail;
}
