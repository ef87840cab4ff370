// Applies the rules selected for a request: to the prompt (after admission, before cache and
// provider), to a JSON completion, and — through ./stream-guard.ts — to a stream.
import type { ChatRequest } from '../openai/schemas';
import type { ChatCompletion } from '../providers/types';
import { scanOutput } from './output';
import { jsonEscape, Placeholders, redact, reservedPlaceholders, restore } from './placeholders';
import { emptyReport, type GuardrailReport, guardrailBlocked, note } from './report';
import type { CompiledRule, RequestFacts, TextRule } from './rules';
import { streamMapper } from './stream-guard';
import { textSlots } from './text-slots';

export interface ChatGuard {
  /** The body to send upstream (and to key the cache on): the client's, or a redacted copy. */
  readonly body: ChatRequest;
  readonly report: GuardrailReport;
  /** Output rules and restoration applied to a JSON completion; throws when an output rule blocks. */
  completion(body: ChatCompletion): ChatCompletion;
  /** Rewrites stream events (`null`: drop it); undefined when nothing needs to see the stream. */
  streamMapper(): ((data: string) => string | null) | undefined;
  /**
   * The response must pass through completion() / streamMapper() (output rules, or placeholders
   * to restore): a cached answer would bypass them, so such requests do not read the cache.
   */
  readonly rewritesResponse: boolean;
}

/** Runs the input rules; throws guardrail_blocked (with report.blocked set) when one blocks. */
export function guardChat(
  rules: readonly CompiledRule[],
  body: ChatRequest,
  inputTokens: number,
  report: GuardrailReport = emptyReport(),
): ChatGuard {
  const output = rules.filter((r): r is TextRule => r.kind === 'text' && r.rule.scope !== 'input');
  const facts: RequestFacts = {
    inputTokens,
    tools: (body.tools ?? []).map((tool) => tool.function.name),
    responseFormat: body.response_format?.type,
  };
  const slots = textSlots(body);
  const texts = slots.map((slot) => slot.get(body));
  const applied = applyInputRules(rules, texts, facts, report, (index) => slots[index]!.json);
  let placeholders = applied.placeholders;
  let upstream = body;
  if (applied.texts.some((text) => text !== undefined)) {
    upstream = structuredClone(body);
    applied.texts.forEach((text, index) => {
      if (text !== undefined) slots[index]!.set(upstream, text);
    });
  }

  const originals = placeholders?.restorable;
  return {
    body: upstream,
    report,
    rewritesResponse: output.length > 0 || (originals?.size ?? 0) > 0,
    completion: (completion) => guardCompletion(completion, output, report, placeholders),
    streamMapper() {
      if (output.length === 0 && !originals?.size) return undefined;
      placeholders ??= new Placeholders();
      return streamMapper(output, report, placeholders);
    },
  };
}

/**
 * The input rules over a request's texts: blocks first (throwing guardrail_blocked), then flags,
 * then redaction. Returns the redacted version of each text that changed (undefined otherwise).
 * `json(i)`: text i is JSON, where a redacted span must not take quotes or escapes with it.
 */
export function applyInputRules(
  rules: readonly CompiledRule[],
  texts: readonly string[],
  facts: RequestFacts,
  report: GuardrailReport,
  json: (index: number) => boolean = () => false,
): { texts: (string | undefined)[]; placeholders: Placeholders | undefined } {
  const input = rules.filter((r) => r.kind === 'request' || r.rule.scope !== 'output');
  for (const action of ['block', 'flag'] as const) {
    for (const rule of input) {
      if (rule.rule.action !== action) continue;
      const hit =
        rule.kind === 'request'
          ? rule.violated(facts)
          : texts.some((text) => rule.find(text, true).length > 0);
      if (hit && action === 'block') {
        report.blocked = rule.rule.name;
        throw guardrailBlocked(rule.rule.name, 'request');
      }
      if (hit) note(report.flagged, rule.rule.name);
    }
  }
  const redactors = input.filter((r): r is TextRule => r.kind === 'text' && r.rule.action === 'redact');
  if (redactors.length === 0) return { texts: texts.map(() => undefined), placeholders: undefined };
  const placeholders = new Placeholders(reservedPlaceholders(texts));
  const redacted = texts.map((text, index) => {
    const spans = redactors.flatMap((rule) => rule.find(text, false));
    const usable = json(index) ? spans.filter((s) => !/["\\]/.test(text.slice(s.start, s.end))) : spans;
    if (usable.length === 0) return undefined;
    for (const span of usable) note(report.redacted, span.rule);
    return redact(text, usable, placeholders);
  });
  return { texts: redacted, placeholders };
}

type Loose = Record<string, unknown>;

function guardCompletion(
  completion: ChatCompletion,
  output: readonly TextRule[],
  report: GuardrailReport,
  placeholders: Placeholders | undefined,
): ChatCompletion {
  const originals = placeholders?.restorable;
  if (output.length === 0 && !originals?.size) return completion;
  const result = structuredClone(completion);
  const names = placeholders ?? new Placeholders();
  for (const choice of result.choices as Loose[]) {
    const message = choice.message as Loose | undefined;
    if (!message) continue;
    if (typeof message.content === 'string') {
      let content = scanOutput(message.content, output, report, names);
      if (originals) content = restore(content, originals);
      message.content = content;
    }
    if (originals && Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls as Loose[]) {
        const fn = call.function as Loose | undefined;
        if (fn && typeof fn.arguments === 'string')
          fn.arguments = restore(fn.arguments, originals, jsonEscape);
      }
    }
  }
  return result;
}
