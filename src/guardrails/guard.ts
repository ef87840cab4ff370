// Applies the rules selected for a request: to the prompt (after admission, before cache and
// provider), to a JSON completion, and — through ./stream-guard.ts — to a stream.
import type { ChatRequest } from '../openai/schemas';
import type { MappedEvent } from '../openai/stream-relay';
import type { ChatCompletion } from '../providers/types';
import { scanArguments, scannableOnly, scanOutput } from './output';
import { jsonEscape, type LabeledSpan, Placeholders, reservedPlaceholders, restore } from './placeholders';
import { findIn, type PromptText, type Rewritten, redactText } from './prompt-text';
import { emptyReport, type GuardrailReport, PromptBlocked, record } from './report';
import type { CompiledRule, RequestFacts, TextRule } from './rules';
import { streamMapper } from './stream-guard';
import { textSlots } from './text-slots';

export interface ChatGuard {
  /** The body to send upstream (and to key the cache on): the client's, or a redacted copy. */
  readonly body: ChatRequest;
  readonly report: GuardrailReport;
  /**
   * Output rules and restoration applied to a JSON completion: `answer` for the client, `logged` for
   * the log row (output redactions applied, placeholders left as the provider saw them). Throws when
   * an output rule blocks.
   */
  completion(body: ChatCompletion): { answer: ChatCompletion; logged: ChatCompletion };
  /**
   * Rewrites stream events (`null`: drop it); undefined when nothing needs to see the stream. `log`
   * receives every event as the log row keeps it (see stream-guard.ts).
   */
  streamMapper(log?: (data: string) => void): ((data: string) => MappedEvent) | undefined;
  /**
   * The response must pass through completion() / streamMapper() (output rules, or placeholders
   * to restore): a cached answer would bypass them, so such requests do not read the cache.
   */
  readonly rewritesResponse: boolean;
}

/** Runs the input rules; throws PromptBlocked (with report.blocked set) when one blocks. */
export function guardChat(
  rules: readonly CompiledRule[],
  body: ChatRequest,
  inputTokens: number,
  report: GuardrailReport = emptyReport(),
): ChatGuard {
  const output = rules.filter((r): r is TextRule => r.kind === 'text' && r.rule.scope !== 'input');
  const facts: RequestFacts = {
    inputTokens,
    // The deprecated `functions` too: a provider that still takes them offers them as tools.
    tools: [
      ...(body.tools ?? []).map((tool) => (tool.type === 'custom' ? tool.custom.name : tool.function.name)),
      ...legacyFunctionNames(body),
    ],
    responseFormat: body.response_format?.type,
  };
  // The prompt's texts are read only for rules that read them (a request without such rules pays
  // nothing here, however long its tool-call history).
  const slots = readsPrompt(rules) ? textSlots(body) : undefined;
  const applied = applyInputRules(rules, slots?.texts ?? [], facts, report);
  let placeholders = applied.placeholders;
  const upstream = slots ? slots.write(body, applied.texts) : body;

  const originals = placeholders?.restorable;
  // A JSON-mode answer's content is JSON: a value put back into it is put back JSON-escaped.
  const format = body.response_format?.type;
  const jsonContent = format === 'json_object' || format === 'json_schema';
  return {
    body: upstream,
    report,
    rewritesResponse: output.length > 0 || (originals?.size ?? 0) > 0,
    completion: (completion) => guardCompletion(completion, output, report, placeholders, jsonContent),
    streamMapper(log) {
      if (output.length === 0 && !originals?.size) return undefined;
      placeholders ??= new Placeholders();
      return streamMapper(output, report, placeholders, log, jsonContent);
    },
  };
}

/** Whether any of the rules reads the prompt's text (a text rule not scoped to the output). */
export function readsPrompt(rules: readonly CompiledRule[]): boolean {
  return rules.some((r) => r.kind === 'text' && r.rule.scope !== 'output');
}

/** A copy of the body with its texts (text-slots.ts) replaced (undefined: unchanged); the body itself when none is. */
export function chatWithTexts(body: ChatRequest, texts: readonly Rewritten[]): ChatRequest {
  return textSlots(body).write(body, texts);
}

/**
 * The input rules over a request's texts: blocks first (throwing PromptBlocked), then flags, then
 * redaction. Returns each text that changed, rewritten (undefined otherwise).
 */
export function applyInputRules(
  rules: readonly CompiledRule[],
  texts: readonly PromptText[],
  facts: RequestFacts,
  report: GuardrailReport,
): { texts: Rewritten[]; placeholders: Placeholders | undefined } {
  const input = rules.filter((r) => r.kind === 'request' || r.rule.scope !== 'output');
  const textRules = input.filter((r): r is TextRule => r.kind === 'text');
  for (const rule of input) {
    if (rule.rule.action !== 'block') continue;
    const hit =
      rule.kind === 'request'
        ? rule.violated(facts)
        : texts.some((text) => findIn(rule, text, true).spans.length > 0);
    if (!hit) continue;
    record(report, 'block', rule.rule.name);
    // The other rules that fire are recorded too, as the masked copy of the prompt shows them.
    for (const other of input)
      if (other.kind === 'request' && other.rule.action === 'flag')
        record(report, 'flag', other.rule.name, Number(other.violated(facts)));
    throw new PromptBlocked(rule.rule.name, maskAll(textRules, texts, report));
  }
  for (const rule of input) {
    if (rule.rule.action !== 'flag') continue;
    const count =
      rule.kind === 'request'
        ? Number(rule.violated(facts))
        : texts.reduce((sum, text) => sum + findIn(rule, text, false).count, 0);
    record(report, 'flag', rule.rule.name, count);
  }
  const redactors = textRules.filter((r) => r.rule.action === 'redact');
  if (redactors.length === 0) return { texts: texts.map(() => undefined), placeholders: undefined };
  const placeholders = new Placeholders(reservedPlaceholders(texts.map(({ text }) => text)));
  const redacted = texts.map((text) => {
    const spans: LabeledSpan[] = [];
    for (const rule of redactors) {
      const found = findIn(rule, text, false);
      record(report, 'redact', rule.rule.name, found.count);
      spans.push(...found.spans);
    }
    return spans.length > 0 ? redactText(text, spans, placeholders) : undefined;
  });
  return { texts: redacted, placeholders };
}

/**
 * A blocked prompt as the log may keep it: every span of every text rule (block, flag or redact)
 * replaced by its placeholder. The flag and redact rules' matches are recorded in `report`.
 */
function maskAll(
  rules: readonly TextRule[],
  texts: readonly PromptText[],
  report: GuardrailReport,
): Rewritten[] {
  const placeholders = new Placeholders(reservedPlaceholders(texts.map(({ text }) => text)));
  return texts.map((text) => {
    const spans = rules.flatMap((rule) => {
      const found = findIn(rule, text, false);
      if (rule.rule.action !== 'block') record(report, rule.rule.action, rule.rule.name, found.count);
      return found.spans;
    });
    return spans.length > 0 ? redactText(text, spans, placeholders) : undefined;
  });
}

type Loose = Record<string, unknown>;

function guardCompletion(
  completion: ChatCompletion,
  output: readonly TextRule[],
  report: GuardrailReport,
  placeholders: Placeholders | undefined,
  jsonContent: boolean,
): { answer: ChatCompletion; logged: ChatCompletion } {
  const originals = placeholders?.restorable;
  if (output.length === 0 && !originals?.size) return { answer: completion, logged: completion };
  const scanned = structuredClone(completion);
  for (const message of messagesOf(scanned)) scannableOnly(message);
  // Logprobs spell the answer out token by token: not relayed from an answer the rules rewrite.
  for (const choice of scanned.choices as Loose[]) if (choice.logprobs != null) choice.logprobs = null;
  if (output.length > 0) {
    // Everything the model says: its content, a refusal, and the arguments (or input) of the tools
    // it calls (an agent's way out for data).
    const names = placeholders ?? new Placeholders();
    for (const message of messagesOf(scanned)) {
      for (const field of ['content', 'refusal'] as const) {
        const text = message[field];
        if (typeof text !== 'string') continue;
        // JSON-mode content is JSON: its values are scanned decoded and the JSON rebuilt, as tool
        // arguments are (a raw scan saw `\n` glued to a value, and a redaction could break an escape).
        message[field] =
          field === 'content' && jsonContent
            ? scanArguments(text, output, report, names)
            : scanOutput(text, output, report, names);
      }
      for (const fn of functionsOf(message))
        if (typeof fn.arguments === 'string')
          fn.arguments = scanArguments(fn.arguments, output, report, names);
      // A custom tool's input is free text, scanned as content is.
      for (const custom of customCallsOf(message))
        if (typeof custom.input === 'string') custom.input = scanOutput(custom.input, output, report, names);
    }
  }
  if (!originals?.size) return { answer: scanned, logged: scanned };
  const answer = structuredClone(scanned);
  for (const message of messagesOf(answer)) {
    if (typeof message.content === 'string')
      message.content = restore(message.content, originals, jsonContent ? jsonEscape : undefined);
    if (typeof message.refusal === 'string') message.refusal = restore(message.refusal, originals);
    for (const fn of functionsOf(message))
      if (typeof fn.arguments === 'string') fn.arguments = restore(fn.arguments, originals, jsonEscape);
    for (const custom of customCallsOf(message))
      if (typeof custom.input === 'string') custom.input = restore(custom.input, originals);
  }
  return { answer, logged: scanned };
}

function legacyFunctionNames(body: ChatRequest): string[] {
  const functions = (body as { functions?: unknown }).functions;
  if (!Array.isArray(functions)) return [];
  return functions.flatMap((fn) => {
    const name = (fn as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? [name] : [];
  });
}

/** The `function` objects of a message's tool calls, and its deprecated `function_call`. */
function functionsOf(message: Loose): Loose[] {
  const legacy = message.function_call as Loose | null | undefined;
  const own = legacy && typeof legacy === 'object' ? [legacy] : [];
  if (!Array.isArray(message.tool_calls)) return own;
  return [
    ...own,
    ...(message.tool_calls as Loose[]).flatMap((call) => {
      const fn = call?.function as Loose | undefined;
      return fn && typeof fn === 'object' ? [fn] : [];
    }),
  ];
}

/** The `custom` objects of a message's custom tool calls. */
function customCallsOf(message: Loose): Loose[] {
  if (!Array.isArray(message.tool_calls)) return [];
  return (message.tool_calls as Loose[]).flatMap((call) => {
    const custom = call?.custom as Loose | undefined;
    return custom && typeof custom === 'object' ? [custom] : [];
  });
}

function messagesOf(completion: ChatCompletion): Loose[] {
  return (completion.choices as Loose[]).flatMap((choice) => {
    const message = choice.message as Loose | undefined;
    return message ? [message] : [];
  });
}
