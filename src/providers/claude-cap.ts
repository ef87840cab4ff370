// A Claude request's output cap lowered to the model's limit (cap-refusal.ts), in the Messages API's
// body (Anthropic, Vertex AI, Bedrock's InvokeModel) or Converse's (Bedrock). Extended thinking's
// budget_tokens must stay below max_tokens and at least MIN_CLAUDE_BUDGET: a budget the lower cap would
// not stay above is lowered with it (as claude-thinking.ts keeps an effort's budget below a cap), and
// one that cannot be (a limit of 1,024 or less) leaves the refusal standing. Lowering only shrinks
// what the call may spend: the reservation made for the higher cap is settled by the answer's usage.
import { MIN_CLAUDE_BUDGET } from './claude-thinking';

interface Lowered {
  cap: number;
  /** The native `thinking` with its budget lowered, when it had to be. */
  thinking?: Record<string, unknown>;
}

/** `cap` lowered to `limit`, `thinking`'s budget with it; undefined when either cannot be. */
export function claudeCapWithin(cap: unknown, thinking: unknown, limit: number): Lowered | undefined {
  if (typeof cap !== 'number' || cap <= limit) return undefined;
  const native = thinking as { type?: unknown; budget_tokens?: unknown } | null | undefined;
  const budget = native?.type === 'enabled' ? native.budget_tokens : undefined;
  if (typeof budget !== 'number' || budget < limit) return { cap: limit };
  if (limit - 1 < MIN_CLAUDE_BUDGET) return undefined;
  return { cap: limit, thinking: { ...native, budget_tokens: limit - 1 } };
}

/** A Messages API body with its `max_tokens` (and thinking budget) within the model's `limit`. */
export function messagesWithin(
  body: Record<string, unknown>,
  limit: number,
): Record<string, unknown> | undefined {
  const lowered = claudeCapWithin(body.max_tokens, body.thinking, limit);
  if (!lowered) return undefined;
  return { ...body, max_tokens: lowered.cap, ...(lowered.thinking ? { thinking: lowered.thinking } : {}) };
}

/**
 * A Converse body with its `inferenceConfig.maxTokens` within the model's `limit`, and Claude's
 * thinking budget (in additionalModelRequestFields) with it; another model's has no thinking there.
 */
export function converseWithin(
  body: Record<string, unknown>,
  limit: number,
): Record<string, unknown> | undefined {
  const config = body.inferenceConfig as Record<string, unknown> | undefined;
  const additional = body.additionalModelRequestFields as Record<string, unknown> | undefined;
  const lowered = claudeCapWithin(config?.maxTokens, additional?.thinking, limit);
  if (!lowered) return undefined;
  return {
    ...body,
    inferenceConfig: { ...config, maxTokens: lowered.cap },
    ...(lowered.thinking
      ? { additionalModelRequestFields: { ...additional, thinking: lowered.thinking } }
      : {}),
  };
}
