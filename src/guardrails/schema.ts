// The `guardrails` section of the gateway config (DESIGN.md §4): named rules, each one kind of check
// and one action. Custom patterns are compiled here, so an invalid or unsupported regex is a 400 from
// PUT /admin/config naming its path, never a failure at request time.
import * as z from 'zod';
import { DETECTOR_NAMES } from './detectors';
import { checkPattern, compileRegex, MAX_PROGRAM } from './regex/program';

export const ruleName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'rule names are lowercase letters, digits, "-" and "_"');

const MAX_PATTERN = 2000;
/**
 * Most instructions all pattern rules of a config may compile to together (each is capped at
 * MAX_PROGRAM): ten patterns at the cap. Keeps compiling a config, and its memory, small.
 */
export const MAX_TOTAL_PROGRAM = 10 * MAX_PROGRAM;
const toolNames = z.array(z.string().min(1).max(64)).max(1000);

export const guardrailRuleSchema = z
  .strictObject({
    name: ruleName,
    action: z.enum(['redact', 'block', 'flag']),
    /** false: defined, but applied only to keys and teams that list it in their `guardrails`. */
    enabled: z.boolean().default(true),
    /** Where text rules look: the prompt, the model's answer, or both. */
    scope: z.enum(['input', 'output', 'both']).default('input'),
    /** redact only: put the original values back into the response the client receives. */
    restore: z.boolean().default(false),
    /** Placeholder label for pattern and keyword rules (`[LABEL_1]`); default from the name. */
    label: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,30}$/, 'labels are uppercase letters, digits and "_"')
      .optional(),
    // One of the following kinds.
    detect: z.array(z.enum(DETECTOR_NAMES)).min(1).optional(),
    pattern: z.string().min(1).max(MAX_PATTERN).optional(),
    // No back-reference regex for "each at most once": this text is untrusted and may be long.
    flags: z
      .string()
      .max(4)
      .regex(/^[imsu]*$/, 'flags are some of i, m, s, u')
      .refine((flags) => new Set(flags).size === flags.length, 'each flag at most once')
      .optional(),
    keywords: z.array(z.string().min(1).max(200)).min(1).max(50_000).optional(),
    /** Keywords match whole words only (default); false matches inside words too. */
    wholeWord: z.boolean().default(true),
    maxPromptTokens: z.number().int().positive().optional(),
    tools: z.strictObject({ allow: toolNames.optional(), block: toolNames.optional() }).optional(),
    responseFormat: z
      .strictObject({ allow: z.array(z.enum(['text', 'json_object', 'json_schema'])).min(1) })
      .optional(),
  })
  .superRefine((rule, ctx) => {
    const kinds = (
      ['detect', 'pattern', 'keywords', 'maxPromptTokens', 'tools', 'responseFormat'] as const
    ).filter((kind) => rule[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a rule has exactly one of detect, pattern, keywords, maxPromptTokens, tools, responseFormat (found ${kinds.length ? kinds.join(', ') : 'none'})`,
      });
      return;
    }
    const kind = kinds[0]!;
    const requestRule = kind === 'maxPromptTokens' || kind === 'tools' || kind === 'responseFormat';
    if (requestRule && rule.action === 'redact')
      ctx.addIssue({
        code: 'custom',
        message: `${kind} rules block or flag; they cannot redact`,
        path: ['action'],
      });
    if (requestRule && rule.scope !== 'input')
      ctx.addIssue({ code: 'custom', message: `${kind} rules look at the request only`, path: ['scope'] });
    if (rule.restore && rule.action !== 'redact')
      ctx.addIssue({ code: 'custom', message: 'restore applies to redact rules only', path: ['restore'] });
    if (rule.flags !== undefined && kind !== 'pattern')
      ctx.addIssue({ code: 'custom', message: 'flags apply to pattern rules only', path: ['flags'] });
    if (rule.pattern !== undefined && rule.pattern.length <= MAX_PATTERN) {
      const problem = patternProblem(rule.pattern, rule.flags ?? '');
      if (problem)
        ctx.addIssue({ code: 'custom', message: `rule '${rule.name}': ${problem}`, path: ['pattern'] });
    }
  });
export type GuardrailRule = z.output<typeof guardrailRuleSchema>;

export const guardrailsSchema = z
  .array(guardrailRuleSchema)
  .max(200)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.name))
        ctx.addIssue({
          code: 'custom',
          message: `duplicate rule name '${rule.name}'`,
          path: [index, 'name'],
        });
      seen.add(rule.name);
    });
    checkTotalProgram(rules, ctx);
  });

/** The patterns' instructions together, against MAX_TOTAL_PROGRAM; the issue names the rule that passes it. */
function checkTotalProgram(rules: readonly GuardrailRule[], ctx: z.RefinementCtx): void {
  let total = 0;
  for (const [index, rule] of rules.entries()) {
    if (rule.pattern === undefined) continue;
    try {
      total += compileRegex(rule.pattern, regexFlags(rule.flags ?? '')).code.length;
    } catch {
      continue; // refused on its own, with its reason
    }
    if (total > MAX_TOTAL_PROGRAM) {
      ctx.addIssue({
        code: 'custom',
        message: `rule '${rule.name}': the config's patterns together compile to more than ${MAX_TOTAL_PROGRAM} instructions once repetitions are expanded (${total} up to this rule); shorten them or use keywords rules`,
        path: [index, 'pattern'],
      });
      return;
    }
  }
}

/** Why a pattern is refused, or undefined. JavaScript syntax first, then what the linear engine supports. */
export function patternProblem(pattern: string, flags: string): string | undefined {
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    return `invalid regular expression: ${error instanceof Error ? error.message : String(error)}`;
  }
  try {
    checkPattern(pattern, regexFlags(flags));
  } catch (error) {
    return `unsupported regular expression: ${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

/**
 * Checked when rules are stored (PUT /admin/config, /admin/guardrails), not when a config is read
 * back: the engine reads patterns as JavaScript's `u` mode does, which refuses what plain mode takes
 * as literals (`x{,2}`, a lone `{`, `[\d-x]`) — so such a typo is reported instead of matching
 * something else. A stored config with one is still read.
 */
export function strictPatternIssue(
  rules: readonly GuardrailRule[],
): { message: string; param: string } | undefined {
  for (const [index, rule] of rules.entries()) {
    if (rule.pattern === undefined) continue;
    const flags = rule.flags ?? '';
    try {
      new RegExp(rule.pattern, flags.includes('u') ? flags : `${flags}u`);
    } catch (error) {
      return {
        message: `Invalid guardrails (the previous rules stay in force): rule '${rule.name}': the pattern is not valid in JavaScript's unicode mode, which rules are read in: ${error instanceof Error ? error.message : String(error)}`,
        param: `guardrails[${index}].pattern`,
      };
    }
  }
  return undefined;
}

export function regexFlags(flags: string) {
  return { ignoreCase: flags.includes('i'), multiline: flags.includes('m'), dotAll: flags.includes('s') };
}

/**
 * A key's or team's `guardrails`: rule names to apply in addition to the enabled ones, or
 * `-name` to opt out of one.
 */
export const guardrailSelectionSchema = z
  .array(z.string().regex(/^-?[a-z0-9][a-z0-9_-]{0,62}$/, 'entries are rule names, or -name to opt out'))
  .max(200);
