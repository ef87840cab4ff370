// An Anthropic Messages event stream, as a fake Anthropic upstream answers: message_start, each
// content block's start / deltas / stop, then message_delta and message_stop; and the same answer
// of text as one JSON message.
import { sse } from './upstream';

export type StreamedBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** One SSE frame: `event:` names its data's type, as Anthropic writes them. */
export function anthropicFrame(data: { type: string; [field: string]: unknown }): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The frames of one content block at `index`, its content in one delta. */
function blockFrames(index: number, block: StreamedBlock): string[] {
  const delta = (fields: Record<string, unknown>) =>
    anthropicFrame({ type: 'content_block_delta', index, delta: fields });
  const start = (content_block: Record<string, unknown>) =>
    anthropicFrame({ type: 'content_block_start', index, content_block });
  const stop = anthropicFrame({ type: 'content_block_stop', index });
  switch (block.type) {
    case 'thinking':
      return [
        start({ type: 'thinking', thinking: '', signature: '' }),
        delta({ type: 'thinking_delta', thinking: block.thinking }),
        delta({ type: 'signature_delta', signature: block.signature }),
        stop,
      ];
    case 'redacted_thinking':
      return [start(block), stop];
    case 'text':
      return [start({ type: 'text', text: '' }), delta({ type: 'text_delta', text: block.text }), stop];
    case 'tool_use':
      return [
        start({ ...block, input: {} }),
        delta({ type: 'input_json_delta', partial_json: JSON.stringify(block.input) }),
        stop,
      ];
  }
}

/**
 * A whole streamed answer of `blocks`, stopping for `stopReason` (on `stopSequence`, if named).
 * `cache`: what the prompt cache read and wrote, reported in message_start as Anthropic does.
 */
export function anthropicStream(
  blocks: StreamedBlock[],
  options: {
    stopReason: string;
    stopSequence?: string;
    inputTokens?: number;
    outputTokens?: number;
    cache?: { cache_read_input_tokens: number; cache_creation_input_tokens: number };
    model?: string;
  },
): Response {
  const message = {
    id: 'msg_up',
    type: 'message',
    role: 'assistant',
    model: options.model ?? 'claude-sonnet-4-5-20250929',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: options.inputTokens ?? 9, output_tokens: 1, ...options.cache },
  };
  return sse([
    anthropicFrame({ type: 'message_start', message }),
    ...blocks.flatMap((block, index) => blockFrames(index, block)),
    anthropicFrame({
      type: 'message_delta',
      delta: { stop_reason: options.stopReason, stop_sequence: options.stopSequence ?? null },
      usage: { output_tokens: options.outputTokens ?? 10 },
    }),
    anthropicFrame({ type: 'message_stop' }),
  ]);
}

/** An Anthropic Messages answer of `text`, ended by end_turn; `fields` (an id, a model, usage) replace the defaults. */
export function anthropicMessage(
  text: string,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 2 },
    ...fields,
  };
}
