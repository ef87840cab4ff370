// The embeddings route's use of guardrails: prompt rules on string inputs and on the parameters
// forwarded to the provider as its own (Gemini's `title`…; native-params.ts) — block, flag, redact,
// nothing to restore in a vector. Token-id inputs cannot be read, so they pass unscanned.
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import type { Admission } from '../limits/admission';
import { EMBEDDINGS_PARAMS } from '../openai/native-params';
import type { EmbeddingsRequest } from '../openai/schemas';
import { applyInputRules, readsPrompt } from './guard';
import type { Rewritten } from './prompt-text';
import { refuse, routeRules } from './route-guard';
import { nativeTexts, type TreeTexts } from './text-slots';

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
  let native: TreeTexts | undefined;
  let applied: ReturnType<typeof applyInputRules>;
  try {
    // Only for rules that read the prompt, as chat's are (output rules have nothing to read here).
    native = readsPrompt(rules) ? nativeTexts(body, EMBEDDINGS_PARAMS) : undefined;
    const read = [...texts.map((text) => ({ text })), ...(native?.texts ?? [])];
    applied = applyInputRules(rules, read, { inputTokens, tools: [], responseFormat: undefined }, report);
  } catch (error) {
    refuse(c, release, error, (blocked) => withTexts(body, texts, native, blocked.masked));
  }
  return withTexts(body, texts, native, applied.texts);
}

/**
 * The body with its string inputs, then its native texts, replaced (undefined: unchanged); the body
 * itself when none is.
 */
function withTexts(
  body: EmbeddingsRequest,
  texts: readonly string[],
  native: TreeTexts | undefined,
  replaced: readonly Rewritten[],
): EmbeddingsRequest {
  const changed = (list: readonly Rewritten[]) => list.some((text) => text !== undefined);
  const inputs = replaced.slice(0, texts.length);
  const rest = replaced.slice(texts.length);
  if (!changed(inputs) && !changed(rest)) return body;
  const copy = changed(rest) ? structuredClone(body) : { ...body };
  native?.write(copy, rest);
  if (!changed(inputs)) return copy; // token-id inputs stay as they are
  const redacted = texts.map((text, index) => inputs[index]?.[0] ?? text);
  return { ...copy, input: typeof body.input === 'string' ? redacted[0]! : redacted };
}
