// Config rules compiled once per config (memoised on the rule list) into matchers, and the set of
// rules that applies to one key: the enabled ones, adjusted by its team's and its own selection.
import { GatewayError } from '../errors';
import { DETECTOR_LABELS, DETECTORS, folded } from './detectors';
import { compileKeywords } from './keywords';
import { type LabeledSpan, withLabel } from './placeholders';
import { ScanBudget, ScanBudgetExceeded } from './regex/budget';
import { compileRegex, runProgram } from './regex/program';
import { ScanLimitExceeded } from './scan-limit';
import { type GuardrailRule, regexFlags } from './schema';
import type { Span } from './spans';

/**
 * A rule over text: finds labelled spans (`first`: stop at the first, for block and flag). Pattern
 * rules charge their matcher steps to `budget` (selectRules passes the request's).
 */
export interface TextRule {
  kind: 'text';
  rule: GuardrailRule;
  find(text: string, first: boolean, budget?: ScanBudget): LabeledSpan[];
}

/** A rule over the request as a whole: true when it is violated. */
export interface RequestRule {
  kind: 'request';
  rule: GuardrailRule;
  violated(request: RequestFacts): boolean;
}

export interface RequestFacts {
  inputTokens: number;
  tools: string[];
  responseFormat: string | undefined;
}

export type CompiledRule = TextRule | RequestRule;

const compiled = new WeakMap<readonly GuardrailRule[], Map<string, CompiledRule>>();

export function compileRules(rules: readonly GuardrailRule[]): Map<string, CompiledRule> {
  let map = compiled.get(rules);
  if (!map) {
    map = new Map(rules.map((rule) => [rule.name, compileRule(rule)]));
    compiled.set(rules, map);
  }
  return map;
}

function compileRule(rule: GuardrailRule): CompiledRule {
  const label = rule.label ?? defaultLabel(rule.name);
  const text = (find: (text: string, first: boolean, budget?: ScanBudget) => Span[]): TextRule => ({
    kind: 'text',
    rule,
    find: (input, first, budget) => withLabel(find(input, first, budget), label, rule.name, rule.restore),
  });
  if (rule.detect) {
    const detectors = rule.detect;
    return {
      kind: 'text',
      rule,
      find(input, first) {
        const spans: LabeledSpan[] = [];
        for (const name of detectors) {
          spans.push(...withLabel(DETECTORS[name](input), DETECTOR_LABELS[name], rule.name, rule.restore));
          if (first && spans.length > 0) break;
        }
        return spans;
      },
    };
  }
  if (rule.pattern !== undefined) {
    const program = compileRegex(rule.pattern, regexFlags(rule.flags ?? ''));
    return text((input, first, budget) => {
      const raw = runProgram(program, input, first, budget);
      if (first && raw.length > 0) return raw;
      // Also as the detectors read text, so a zero-width character or full-width letters do not
      // hide a match (`secret\u200bproject`); the text as written stays searched too, for patterns
      // about those very characters. Only text that has such characters is read twice.
      const found = folded((plain) => (plain === input ? [] : runProgram(program, plain, first, budget)))(
        input,
      );
      const known = new Set(raw.map(([start, end]) => `${start}:${end}`));
      return [...raw, ...found.filter(([start, end]) => !known.has(`${start}:${end}`))];
    });
  }
  if (rule.keywords) {
    const matcher = compileKeywords(rule.keywords, rule.wholeWord);
    // Read as the detectors read text: a zero-width character or full-width letters do not hide a word.
    return text((input, first) => folded((plain) => matcher.find(plain, first))(input));
  }
  return { kind: 'request', rule, violated: requestCheck(rule) };
}

/** `no-internal` → `NO_INTERNAL`. */
function defaultLabel(name: string): string {
  const label = name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^[^A-Z]+/, '')
    .slice(0, 31);
  return label || 'REDACTED';
}

function requestCheck(rule: GuardrailRule): (request: RequestFacts) => boolean {
  if (rule.maxPromptTokens !== undefined) {
    const max = rule.maxPromptTokens;
    return (request) => request.inputTokens > max;
  }
  if (rule.tools) {
    const allow = rule.tools.allow ? new Set(rule.tools.allow) : undefined;
    const block = new Set(rule.tools.block ?? []);
    return (request) =>
      request.tools.some((tool) => block.has(tool) || (allow !== undefined && !allow.has(tool)));
  }
  const allowed = new Set<string>(rule.responseFormat?.allow ?? []);
  return (request) => request.responseFormat !== undefined && !allowed.has(request.responseFormat);
}

/**
 * The rules for one request: every enabled rule, then the team's selection, then the key's (the
 * key has the last word). `name` adds a rule, `-name` removes it. A name added that the config does
 * not define (the admin API refuses it when it is set, and refuses to remove a rule still named, but
 * a config edited by hand or a race can leave one) fails the request closed with a 503: a policy
 * that asks for a scan is never served without it. Opting out of an unknown rule is harmless.
 * Pattern rules share one scan budget for the whole request (prompt and response): when it runs out
 * the request fails closed with 413 rather than burning CPU (src/guardrails/regex/budget.ts).
 */
export function selectRules(
  rules: readonly GuardrailRule[],
  team: readonly string[] | null | undefined,
  key: readonly string[] | null | undefined,
  budget: ScanBudget = new ScanBudget(),
): CompiledRule[] {
  if (rules.length === 0 && !team?.length && !key?.length) return [];
  const all = compileRules(rules);
  const active = new Set(rules.filter((rule) => rule.enabled).map((rule) => rule.name));
  for (const [who, selection] of [
    ['team', team],
    ['key', key],
  ] as const) {
    for (const entry of selection ?? []) {
      if (entry.startsWith('-')) active.delete(entry.slice(1));
      else if (all.has(entry)) active.add(entry);
      else throw guardrailMissing(entry, who);
    }
  }
  return rules.filter((rule) => active.has(rule.name)).map((rule) => budgeted(all.get(rule.name)!, budget));
}

function guardrailMissing(name: string, who: 'team' | 'key'): GatewayError {
  return new GatewayError(
    503,
    'api_error',
    'guardrail_missing',
    `This ${who}'s policy names the guardrail rule '${name}', which the gateway config does not define, so the request was refused rather than sent unscanned. An admin must define the rule again or remove it from the policy.`,
  );
}

/** A pattern rule bound to the request's budget; running out is the request's 413. */
function budgeted(compiled: CompiledRule, budget: ScanBudget): CompiledRule {
  if (compiled.kind !== 'text' || compiled.rule.pattern === undefined) return compiled;
  return {
    ...compiled,
    find(text, first) {
      try {
        return compiled.find(text, first, budget);
      } catch (error) {
        if (error instanceof ScanBudgetExceeded) throw new ScanLimitExceeded(error.limit);
        throw error;
      }
    },
  };
}
