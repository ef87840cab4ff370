// What the guardrails did to one request, and the error a block answers with.
import { GatewayError } from '../errors';
import type { Rewritten } from './prompt-text';
import type { GuardrailRule } from './schema';

type Action = GuardrailRule['action'];

/** What the guardrails did to one request; the log row stores it (`c.var.guardrails`). */
export interface GuardrailReport {
  /** `flag` rules that matched (prompt or response), each once, in the order they fired. */
  flagged: string[];
  /** `redact` rules that replaced something in the prompt or the response. */
  redacted: string[];
  /** The `block` rule that stopped the request or the response. */
  blocked: string | null;
  /** Matches per rule name (a block counts once: it stops at the first). */
  counts: Map<string, number>;
}

/** One rule that fired, as the log row keeps it: names and numbers only, never the matched text. */
export interface GuardrailHit {
  rule: string;
  action: Action;
  count: number;
}

export function emptyReport(): GuardrailReport {
  return { flagged: [], redacted: [], blocked: null, counts: new Map() };
}

export function guardrailBlocked(rule: string, what: 'request' | 'response'): GatewayError {
  return new GatewayError(
    403,
    'permission_error',
    'guardrail_blocked',
    `The ${what} was blocked by guardrail '${rule}'.`,
  );
}

/**
 * A `block` rule stopped the prompt. `masked` holds each prompt text with every span any text rule
 * matched replaced by a placeholder (undefined: nothing matched), so the log row keeps the prompt
 * without what was blocked.
 */
export class PromptBlocked extends GatewayError {
  constructor(
    rule: string,
    readonly masked: readonly Rewritten[],
  ) {
    super(403, 'permission_error', 'guardrail_blocked', `The request was blocked by guardrail '${rule}'.`);
  }
}

/** Records `count` matches of a rule; a rule with none is not recorded. */
export function record(report: GuardrailReport, action: Action, rule: string, count = 1): void {
  if (count <= 0) return;
  if (action === 'block') report.blocked = rule;
  else {
    const list = action === 'flag' ? report.flagged : report.redacted;
    if (!list.includes(rule)) list.push(rule);
  }
  report.counts.set(rule, (report.counts.get(rule) ?? 0) + count);
}

/** The report as the log row's `guardrails`: blocks first, then flags, then redactions; null when none fired. */
export function hitsOf(report: GuardrailReport): GuardrailHit[] | null {
  const hit = (rule: string, action: Action) => ({ rule, action, count: report.counts.get(rule) ?? 1 });
  const hits: GuardrailHit[] = [
    ...(report.blocked ? [hit(report.blocked, 'block')] : []),
    ...report.flagged.map((rule) => hit(rule, 'flag')),
    ...report.redacted.map((rule) => hit(rule, 'redact')),
  ];
  return hits.length > 0 ? hits : null;
}
