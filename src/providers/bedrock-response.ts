// Bedrock Converse answers → OpenAI: the JSON response, and what its stream shares with it
// (usage, stop reasons, reasoning blocks); the ConverseStream itself is bedrock-stream.ts.
import * as z from 'zod';
import { converseImage } from './bedrock-images';
import { assistantChoice, chatCompletion } from './chat-completion';
import type { FinishReason } from './openai-stream-writer';
import { imagesField } from './output-images';
import { sendable, type ThinkingBlock, withThinking } from './thinking';
import { placed } from './thinking-order';
import { type ChatCompletion, UpstreamError, type Usage } from './types';
import { parseAnswer } from './upstream-error';

export const usageSchema = z.looseObject({
  inputTokens: z.number().default(0),
  outputTokens: z.number().default(0),
  cacheReadInputTokens: z.number().nullish(),
  cacheWriteInputTokens: z.number().nullish(),
});

const reasoningSchema = z.looseObject({
  reasoningText: z.looseObject({ text: z.string().default(''), signature: z.string().optional() }).optional(),
  redactedContent: z.string().optional(),
});

const blockSchema = z.looseObject({
  text: z.string().optional(),
  toolUse: z.looseObject({ toolUseId: z.string(), name: z.string(), input: z.unknown() }).optional(),
  reasoningContent: reasoningSchema.optional(),
  /** An image the model made (Nova 2 Omni): relayed as `images`, and it sets the rate its output is charged. */
  image: z.unknown().optional(),
});

/**
 * A Converse reasoning block in the gateway's shape (src/providers/thinking.ts); undefined if empty.
 * Unsigned reasoning (DeepSeek-R1's) is kept too, for its readable text, but never as a block to
 * send back (withBedrockThinking).
 */
function thinkingOf(reasoning: z.infer<typeof reasoningSchema>): ThinkingBlock | undefined {
  if (reasoning.reasoningText) {
    const { text, signature } = reasoning.reasoningText;
    return { type: 'thinking', thinking: text, signature: signature ?? '' };
  }
  if (reasoning.redactedContent) return { type: 'redacted_thinking', data: reasoning.redactedContent };
  return undefined;
}

/** `reasoning_content` from every block; `thinking_blocks` only of those a later request can send back. */
export function withBedrockThinking(blocks: ThinkingBlock[]) {
  const { reasoning_content } = withThinking(blocks);
  const signed = blocks.filter(sendable);
  return {
    ...(reasoning_content ? { reasoning_content } : {}),
    ...(signed.length > 0 ? { thinking_blocks: signed } : {}),
  };
}

const converseResponse = z.looseObject({
  output: z.looseObject({
    message: z.looseObject({ content: z.array(blockSchema).default([]) }),
  }),
  stopReason: z.string(),
  usage: usageSchema.optional(),
  additionalModelResponseFields: z.unknown().optional(),
});

/**
 * The model-specific fields a request named in `additionalModelResponseFieldPaths`, which Converse
 * returns beside the message (and ConverseStream on messageStop): relayed under Bedrock's own name
 * as a top-level field of the answer, and only when they are an object.
 */
export function responseFields(fields: unknown): { additionalModelResponseFields?: Record<string, unknown> } {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return {};
  return { additionalModelResponseFields: fields as Record<string, unknown> };
}

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function finishReason(stopReason: string | undefined): FinishReason {
  return STOP_REASONS[stopReason ?? ''] ?? 'stop';
}

/** Stop reasons of an answer the model failed to form: an attempt that failed, never a finished answer. */
const MALFORMED = new Set(['malformed_model_output', 'malformed_tool_use']);

export function malformed(provider: string, stopReason: string | undefined): UpstreamError | undefined {
  if (!stopReason || !MALFORMED.has(stopReason)) return undefined;
  return new UpstreamError('server', 200, `${provider} could not form a valid answer (${stopReason}).`);
}

/**
 * Converse counts cached input apart from `inputTokens`; OpenAI's prompt_tokens includes it.
 * `madeImage`: the answer holds an image the model made. Converse's usage does not tell image
 * tokens from text (Nova 2 Omni bills them at $44 against $2.80 per million), so such an answer's
 * output is counted as image tokens (`image_tokens`) — its text too, at most a bound — and any
 * other answer's as text: a price with an image rate (imageOutputPerMTok) charges each at its own.
 */
export function toUsage(usage: z.infer<typeof usageSchema>, madeImage = false): Usage {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const prompt = usage.inputTokens + cacheRead + cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.outputTokens,
    total_tokens: prompt + usage.outputTokens,
    ...(cacheRead || cacheWrite
      ? { prompt_tokens_details: { cached_tokens: cacheRead, cache_creation_tokens: cacheWrite } }
      : {}),
    ...(madeImage && usage.outputTokens > 0
      ? { completion_tokens_details: { image_tokens: usage.outputTokens } }
      : {}),
  };
}

export function toCompletion(provider: string, raw: string, id: string, model: string): ChatCompletion {
  const parsed = parseAnswer(provider, raw, converseResponse);
  const failed = malformed(provider, parsed.stopReason);
  if (failed) throw failed;
  const blocks = parsed.output.message.content;
  const text = blocks.map((b) => b.text ?? '').join('');
  const toolCalls = blocks.flatMap((b) =>
    b.toolUse
      ? [
          {
            id: b.toolUse.toolUseId,
            type: 'function' as const,
            function: { name: b.toolUse.name, arguments: JSON.stringify(b.toolUse.input ?? {}) },
          },
        ]
      : [],
  );
  const choice = assistantChoice(
    text || (toolCalls.length ? null : ''),
    toolCalls,
    finishReason(parsed.stopReason),
  );
  // Each reasoning block with the text and tool calls before it (thinking-order.ts).
  const thinking: ThinkingBlock[] = [];
  let written = 0;
  let calls = 0;
  for (const b of blocks) {
    const block = b.reasoningContent && thinkingOf(b.reasoningContent);
    if (block) thinking.push(placed(block, written, calls));
    written += b.text?.length ?? 0;
    if (b.toolUse) calls++;
  }
  if (thinking.length > 0) Object.assign(choice.message, withBedrockThinking(thinking));
  Object.assign(choice.message, imagesField(blocks.flatMap((b) => converseImage(b.image) ?? [])));
  const madeImage = blocks.some((b) => b.image != null);
  const completion = chatCompletion(
    { id, model },
    [choice],
    parsed.usage ? toUsage(parsed.usage, madeImage) : undefined,
  );
  return { ...completion, ...responseFields(parsed.additionalModelResponseFields) };
}
