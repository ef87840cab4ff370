// A model's reasoning blocks in the gateway's one shape (Anthropic's, which Bedrock's Claude models
// share): answers carry them as `thinking_blocks` (signed, to be sent back as they came, which tool
// loops with extended thinking need) and their readable text as `reasoning_content`; an assistant
// message's `thinking_blocks` go back to the provider that understands them.
import { invalidRequest } from '../errors';
import { type BlockPosition, positionOf } from './thinking-order';

export type ThinkingBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

/**
 * OpenAI's encrypted reasoning (a Responses API reasoning item, asked for with `store: false`):
 * opaque, and only OpenAI can read it back (openai-responses-request.ts). Other providers skip it.
 */
export interface OpenAIReasoningBlock {
  type: 'openai_reasoning';
  id: string;
  encrypted_content: string;
  /**
   * The gateway provider that answered with it: only its own account can read it back (OpenAI's
   * blob means nothing to Azure's, nor to another organisation's key), so it goes back there only.
   */
  provider?: string;
}

/** Any block an answer's `thinking_blocks` holds. */
export type ReasoningBlock = ThinkingBlock | OpenAIReasoningBlock;

export function isOpenAIReasoning(block: unknown): block is OpenAIReasoningBlock {
  const b = (block ?? {}) as Record<string, unknown>;
  return b.type === 'openai_reasoning' && typeof b.id === 'string' && typeof b.encrypted_content === 'string';
}

/** A block a later request can send back: signed (unsigned reasoning, such as DeepSeek-R1's, cannot be), redacted, or OpenAI's. */
export function sendable(block: ReasoningBlock): boolean {
  return block.type !== 'thinking' || block.signature !== '';
}

/** `thinking_blocks` to send back as they are, and their readable text as `reasoning_content`. */
export function withThinking(blocks: ThinkingBlock[]) {
  const readable = blocks.map((block) => (block.type === 'thinking' ? block.thinking : '')).join('');
  return { ...(readable ? { reasoning_content: readable } : {}), thinking_blocks: blocks };
}

/**
 * An assistant message's Anthropic-shaped `thinking_blocks`, checked, each with the place it stood
 * in its answer (thinking-order.ts); `path` is the message's. OpenAI's encrypted reasoning (a route
 * may carry it here after OpenAI answered) is left out.
 */
export function parsePlacedThinking(
  value: unknown,
  path: string,
): { block: ThinkingBlock; position?: BlockPosition }[] {
  if (value === undefined || value === null) return [];
  const param = `${path}.thinking_blocks`;
  if (!Array.isArray(value))
    throw invalidRequest('thinking_blocks must be an array of thinking blocks.', param);
  return value.flatMap((block: unknown, j) => {
    const b = (block ?? {}) as Record<string, unknown>;
    const kept = thinkingBlock(b);
    if (kept) {
      const position = positionOf(b, `${param}[${j}]`);
      return [position ? { block: kept, position } : { block: kept }];
    }
    if (isOpenAIReasoning(b)) return [];
    throw invalidRequest(
      'A thinking block is {"type": "thinking", "thinking", "signature"} or {"type": "redacted_thinking", "data"}, as an answer gave it.',
      `${param}[${j}]`,
    );
  });
}

function thinkingBlock(b: Record<string, unknown>): ThinkingBlock | undefined {
  if (b.type === 'thinking' && typeof b.thinking === 'string' && typeof b.signature === 'string')
    return { type: 'thinking', thinking: b.thinking, signature: b.signature };
  if (b.type === 'redacted_thinking' && typeof b.data === 'string')
    return { type: 'redacted_thinking', data: b.data };
  return undefined;
}
