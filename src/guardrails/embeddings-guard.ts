// The embeddings route's use of guardrails: prompt rules on string inputs (block, flag, redact —
// nothing to restore in a vector). Token-id inputs cannot be read, so they pass unscanned.
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import type { Admission } from '../limits/admission';
import type { EmbeddingsRequest } from '../openai/schemas';
import { applyInputRules } from './guard';
import type { Rewritten } from './prompt-text';
import { refuse, routeRules } from './route-guard';

/**
 * Sets `c.var.zdr` and `c.var.guardrails`; returns the body to send upstream. A refusal settles the
 * reservation and logs only what was scanned (route-guard.ts).
 */
export function guardEmbeddingsRoute(
  c: Context<AppEnv>,
  config: GatewayConfig,
  admission: Admission,
  body: EmbeddingsRequest,
  inputTokens: number,
  release: () => void,
): EmbeddingsRequest {
  const { rules, report } = routeRules(c, config, admission, release);
  if (rules.length === 0) return body;
  const input = body.input;
  const texts = typeof input === 'string' ? [input] : input.filter((item) => typeof item === 'string');
  let applied: ReturnType<typeof applyInputRules>;
  try {
    const read = texts.map((text) => ({ text }));
    applied = applyInputRules(rules, read, { inputTokens, tools: [], responseFormat: undefined }, report);
  } catch (error) {
    refuse(c, release, error, (blocked) => withTexts(body, texts, blocked.masked));
  }
  return withTexts(body, texts, applied.texts);
}

/** The body with its string inputs replaced (undefined: unchanged); the body itself when none is. */
function withTexts(
  body: EmbeddingsRequest,
  texts: readonly string[],
  replaced: readonly Rewritten[],
): EmbeddingsRequest {
  if (replaced.every((text) => text === undefined)) return body;
  const redacted = texts.map((text, index) => replaced[index]?.[0] ?? text);
  return { ...body, input: typeof body.input === 'string' ? redacted[0]! : redacted };
}
