// reasoning_effort for Bedrock's models other than Claude (claude-thinking.ts): Amazon Nova 2's
// reasoningConfig and the fields OpenAI's models there take (reasoning-effort.ts tells the values).
import { gptOssEffort, reasoningEffort, type Sampling, THREE_LEVELS } from './reasoning-effort';
import { Unsupported } from './types';

/**
 * Amazon Nova 2 on Bedrock, by model id, inference profile or ARN: Nova 2 Lite and Pro, the ones
 * AWS documents extended thinking for (`amazon.nova-2-lite-v1:0`, `us.amazon.nova-2-lite-v1:0`…).
 * Nova 1 (`amazon.nova-pro-v1:0`) refuses a reasoningConfig; Nova 2 Sonic is a speech model.
 */
export const NOVA_2_REASONING = /(?:^|[.:/])amazon\.nova-2-(?:lite|pro)\b/i;

/**
 * Nova 2's `reasoningConfig` (in additionalModelRequestFields) for a reasoning_effort: `enabled`
 * with a maxReasoningEffort, `disabled` for none (Nova 2's default). Undefined when there is no
 * effort or the client sent its own reasoningConfig, which wins. AWS takes maxReasoningEffort
 * `high` only without maxTokens, so high with an output cap (the client's, or the gateway's with
 * limits.enforceMaxTokens) is refused: dropping the cap would break the client's limit and the
 * reservation, and the provider's own 400 would end the request instead of failing over.
 */
export function novaReasoning(
  request: Sampling,
  native: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const effort = reasoningEffort(request, 'Amazon Nova 2');
  // The client's own, where AWS's examples put it or inside the Nova-specific inferenceConfig.
  const inference = native.inferenceConfig as { reasoningConfig?: unknown } | null | undefined;
  if (effort === undefined || native.reasoningConfig != null || inference?.reasoningConfig != null)
    return undefined;
  if (effort === 'none') return { reasoningConfig: { type: 'disabled' } };
  const level = THREE_LEVELS[effort];
  if (level === 'high' && (request.max_completion_tokens ?? request.max_tokens) != null) {
    throw new Unsupported(
      `Amazon Nova 2 takes reasoning_effort ${effort} (maxReasoningEffort high) only without an output cap: omit max_completion_tokens, or ask for medium.`,
      'reasoning_effort',
    );
  }
  return { reasoningConfig: { type: 'enabled', maxReasoningEffort: level } };
}

/** OpenAI's models on Bedrock, by model id, inference profile or ARN; gpt-oss among them. */
const BEDROCK_OPENAI = /(?:^|[.:/])openai\./i;
const BEDROCK_GPT_OSS = /(?:^|[.:/])openai\.gpt-oss-/i;

/** Whether `model` names one of OpenAI's models on Bedrock (bedrockOpenAIEffort maps its effort). */
export const bedrockOpenAI = (model: string): boolean => BEDROCK_OPENAI.test(model);

/**
 * The additionalModelRequestFields an effort becomes for OpenAI's models on Bedrock's Converse API.
 * gpt-oss takes chat completions' flat `reasoning_effort` (AWS: fields Converse has no place for go
 * in additionalModelRequestFields), low to high only — it always reasons, so none and minimal are
 * low. The GPT models after it refuse the flat field and take the Responses API's
 * `reasoning: {effort}` (none to max; GPT-6 refuses minimal, so it is low). Undefined when there
 * is no effort or the client sent its own field, which wins.
 */
export function bedrockOpenAIEffort(
  request: object,
  model: string,
  native: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const effort = reasoningEffort(request, 'OpenAI on Bedrock');
  if (effort === undefined || native.reasoning_effort != null || native.reasoning != null) return undefined;
  if (BEDROCK_GPT_OSS.test(model)) return { reasoning_effort: gptOssEffort(effort) };
  return { reasoning: { effort: effort === 'minimal' ? 'low' : effort } };
}
