// Anthropic Messages' SSE stream → OpenAI chunks, incrementally, one provider event at a time. The
// JSON answer's translation (anthropic-response.ts) holds the schemas, finish reason and stop
// sequence field it shares.
import type { EventSourceMessage } from 'eventsource-parser';
import { anthropicError } from './anthropic-error';
import { eventSchema, finishReason, stopSequenceField } from './anthropic-response';
import { JSON_TOOL } from './anthropic-tools';
import { type AnthropicUsage, definedOnly, promptUsage, toUsage } from './anthropic-usage';
import { type OpenAIStreamWriter, parseEventData, translateSSE } from './openai-stream-writer';
import type { ThinkingBlock } from './thinking';
import { placed } from './thinking-order';

/** JSON mode: text held back past this is no preamble to a JSON tool call but the answer. */
const PREAMBLE_CHARS = 400;

type BlockKind =
  | { kind: 'text' }
  | { kind: 'json'; sentInput: boolean }
  | { kind: 'tool'; index: number; sentArguments: boolean }
  | { kind: 'thinking'; thinking: string; signature: string; content: number; calls: number }
  | { kind: 'redacted' }
  | { kind: 'other' };

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
  /** Events to carry, kept until the answer starts. */
  const waiting: string[] = [];
  const blocks = new Map<number, BlockKind>();
  /** Thinking blocks as they complete, not sent yet. */
  const thinking: ThinkingBlock[] = [];
  /** The completed thinking blocks sent on now, in their order, when asked to (`asSigned`). */
  const signed = () => {
    if (!asSigned || thinking.length === 0) return;
    start();
    writer.thinkingBlocks(thinking.splice(0));
  };
  let usage: AnthropicUsage | undefined;
  let stop: string | null | undefined;
  let stopSequence: string | null | undefined;
  let tools = 0;
  /**
   * JSON mode: text is held back until the answer ends, and dropped if the JSON tool is called.
   * With thinking on, the tool cannot be forced (tool_choice auto), and a model may write a line
   * ("Here is the JSON:") before calling it: glued to the JSON, the answer would not parse.
   */
  let held: string | undefined = jsonTool ? '' : undefined;
  /** The answer's text so far, in characters: where a thinking block starts (thinking-order.ts). */
  let written = 0;
  /** A thinking block at its place; the JSON tool's answer is not the text counted: first there. */
  const place = <B extends object>(block: B, content: number, calls: number) =>
    jsonTool ? block : placed(block, content, calls);
  const text = (chunk: string) => {
    written += chunk.length;
    if (chunk) start(); // held text too: it goes out before an error, as the answer so far
    if (held === undefined) return writer.text(chunk);
    held += chunk;
    // Longer than a line before a tool call: the answer itself (the model chose not to call the
    // tool). Sent on, so the stream does not go quiet past the relay's idle timeout meanwhile.
    if (held.length > PREAMBLE_CHARS) release();
  };
  /** Reasoning to show: like text, the first that is not empty starts the answer. */
  const reasoning = (chunk: string) => {
    if (chunk) start();
    writer.reasoning(chunk);
  };
  /** The held text, sent as it is; from here on text goes straight out. */
  const release = () => {
    if (held) writer.text(held);
    held = undefined;
  };
  /** Something was written: from here on a failure is a mid-stream error, not a failed attempt. */
  let started = false;
  let ended = false;

  // The role goes out with the first content, not at message_start nor with an empty block: an
  // error before it (an overload) still fails the attempt, so the router can fail over.
  const start = () => {
    if (started) return;
    started = true;
    writer.role(0, usage ? { prompt_usage: promptUsage(toUsage(usage)) } : {});
    for (const data of waiting) writer.carry(data);
    waiting.length = 0;
  };

  const end = (finish: boolean) => {
    if (ended) return;
    ended = true;
    if (finish) {
      start();
      release(); // JSON mode, but the tool was never called: the text is the answer
      writer.thinkingBlocks(thinking);
      writer.finish(finishReason(stop, tools > 0), 0, stopSequenceField(stop, stopSequence));
    }
    if (usage) writer.usage(toUsage(usage));
    writer.done();
  };

  const onEvent = ({ data }: EventSourceMessage) => {
    if (ended) return;
    if (carry) {
      if (started) writer.carry(data);
      else waiting.push(data);
    }
    const event = parseEventData(eventSchema, data);
    if (!event) return; // not an Anthropic event: ignored like any unknown event
    switch (event.type) {
      case 'message_start':
        usage = event.message?.usage;
        return;
      case 'content_block_start': {
        const block = event.content_block;
        const index = event.index ?? 0;
        if (carry) start();
        if (block?.type === 'text') {
          blocks.set(index, { kind: 'text' });
          text(block.text ?? '');
        } else if (block?.type === 'tool_use' && jsonTool && block.name === JSON_TOOL) {
          blocks.set(index, { kind: 'json', sentInput: false });
          held = undefined; // the JSON is the answer: any text before it is not
        } else if (block?.type === 'thinking') {
          blocks.set(index, {
            kind: 'thinking',
            thinking: block.thinking ?? '',
            signature: block.signature ?? '',
            content: written,
            calls: tools,
          });
          reasoning(block.thinking ?? '');
        } else if (block?.type === 'redacted_thinking') {
          blocks.set(index, { kind: 'redacted' });
          thinking.push(place({ type: 'redacted_thinking', data: block.data ?? '' }, written, tools));
        } else if (block?.type === 'tool_use') {
          const call = { kind: 'tool' as const, index: tools++, sentArguments: false };
          blocks.set(index, call);
          start();
          writer.toolCall({
            index: call.index,
            id: block.id,
            type: 'function',
            function: { name: block.name, arguments: '' },
          });
        } else blocks.set(index, { kind: 'other' });
        return;
      }
      case 'content_block_delta': {
        const block = blocks.get(event.index ?? 0);
        const delta = event.delta;
        if (delta?.type === 'text_delta' && block?.kind === 'text') text(delta.text ?? '');
        else if (delta?.type === 'thinking_delta' && block?.kind === 'thinking') {
          block.thinking += delta.thinking ?? '';
          reasoning(delta.thinking ?? '');
        } else if (delta?.type === 'signature_delta' && block?.kind === 'thinking') {
          block.signature += delta.signature ?? '';
        } else if (delta?.type === 'input_json_delta' && delta.partial_json) {
          if (block?.kind === 'json') {
            block.sentInput = true;
            start();
            writer.text(delta.partial_json);
          } else if (block?.kind === 'tool') {
            block.sentArguments = true;
            writer.toolCall({ index: block.index, function: { arguments: delta.partial_json } });
          }
        }
        return;
      }
      case 'content_block_stop': {
        // A tool called without arguments streams no JSON at all: its arguments are "{}", as in
        // the JSON answer, never "" (which clients fail to parse). So is the JSON tool's input,
        // which is the answer itself.
        const block = blocks.get(event.index ?? 0);
        if (block?.kind === 'tool' && !block.sentArguments) {
          block.sentArguments = true;
          writer.toolCall({ index: block.index, function: { arguments: '{}' } });
        }
        if (block?.kind === 'json' && !block.sentInput) {
          block.sentInput = true;
          start();
          writer.text('{}');
        }
        // The whole block, signed, once it is complete: what a tool loop's next request sends back.
        if (block?.kind === 'thinking') {
          const { content, calls } = block;
          thinking.push(
            place({ type: 'thinking', thinking: block.thinking, signature: block.signature }, content, calls),
          );
        }
        if (block?.kind === 'thinking' || block?.kind === 'redacted') signed();
        return;
      }
      case 'message_delta':
        if (event.delta?.stop_reason !== undefined) stop = event.delta.stop_reason;
        if (event.delta?.stop_sequence !== undefined) stopSequence = event.delta.stop_sequence;
        // message_delta usage is cumulative; a field it carries replaces message_start's.
        if (event.usage) usage = { ...usage, ...definedOnly(event.usage) };
        return;
      case 'message_stop':
        end(true);
        return;
      case 'error': {
        const error = anthropicError(provider, undefined, event.error?.type, event.error?.message);
        // Nothing sent yet: fail the attempt, so the router can still fail over.
        if (!started) throw error;
        release(); // what was said before the error, as outside JSON mode
        // Usage first: nothing after an error frame is read, and the request is settled on it.
        ended = true;
        if (usage) writer.usage(toUsage(usage));
        writer.error(error.message, error.options.code ?? 'upstream_error');
        writer.done();
        return;
      }
      default:
        return; // ping and event types added later
    }
  };

  return translateSSE(upstream, writer, onEvent, () => {
    // Closed without message_stop: the answer was cut short. Usage goes first (nothing after an
    // error event is read), then the error: never a made-up finish that a cache would keep.
    if (!started || ended) return;
    ended = true;
    release();
    if (usage) writer.usage(toUsage(usage));
    writer.cutShort();
    writer.done();
  });
}
