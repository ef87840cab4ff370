// The embeddings route's use of guardrails: prompt rules on string inputs (block, flag, redact —
// nothing to restore in a vector). Token-id inputs cannot be read, so they pass unscanned.
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import type { Admission } from '../limits/admission';
import type { EmbeddingsRequest } from '../openai/schemas';
import { applyInputRules } from './guard';
import { ScanBudget } from './regex/budget';
import { emptyReport, PromptBlocked } from './report';
import { selectRules } from './rules';

/**
 * Sets `c.var.zdr` and `c.var.guardrails`; returns the body to send upstream. On a block the log keeps
 * the inputs with every match masked.
 */
export function guardEmbeddingsRoute(
  c: Context<AppEnv>,
  config: GatewayConfig,
  admission: Admission,
  body: EmbeddingsRequest,
  inputTokens: number,
  release: () => void,
): EmbeddingsRequest {
  c.set('zdr', admission.zdr);
  const report = emptyReport();
  c.set('guardrails', report);
  let rules: ReturnType<typeof selectRules>;
  try {
    rules = selectRules(
      config.guardrails,
      admission.guardrails.team,
      admission.guardrails.key,
      new ScanBudget(config.limits.guardrailScanSteps),
    );
  } catch (error) {
    release(); // a rule the policy names is missing: refused before anything went upstream
    throw error;
  }
  if (rules.length === 0) return body;
  const input = body.input;
  const texts = typeof input === 'string' ? [input] : input.filter((item) => typeof item === 'string');
  let applied: ReturnType<typeof applyInputRules>;
  try {
    applied = applyInputRules(rules, texts, { inputTokens, tools: [], responseFormat: undefined }, report);
  } catch (error) {
    release();
    if (error instanceof PromptBlocked) c.get('log').requestBody(withTexts(body, texts, error.masked));
    throw error;
  }
  return withTexts(body, texts, applied.texts);
}

/** The body with its string inputs replaced (undefined: unchanged); the body itself when none is. */
function withTexts(
  body: EmbeddingsRequest,
  texts: readonly string[],
  replaced: readonly (string | undefined)[],
): EmbeddingsRequest {
  if (replaced.every((text) => text === undefined)) return body;
  const redacted = texts.map((text, index) => replaced[index] ?? text);
  return { ...body, input: typeof body.input === 'string' ? redacted[0]! : redacted };
}
