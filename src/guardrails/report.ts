// What the guardrails did to one request, and the error a block answers with.
import { GatewayError } from '../errors';

/** What the guardrails did to one request; the log row stores it (`c.var.guardrails`). */
export interface GuardrailReport {
  /** `flag` rules that matched (prompt or response), each once, in the order they fired. */
  flagged: string[];
  /** `redact` rules that replaced something in the prompt or the response. */
  redacted: string[];
  /** The `block` rule that stopped the request or the response. */
  blocked: string | null;
}

export function emptyReport(): GuardrailReport {
  return { flagged: [], redacted: [], blocked: null };
}

export function guardrailBlocked(rule: string, what: 'request' | 'response'): GatewayError {
  return new GatewayError(
    403,
    'permission_error',
    'guardrail_blocked',
    `The ${what} was blocked by guardrail '${rule}'.`,
  );
}

export function note(list: string[], rule: string): void {
  if (!list.includes(rule)) list.push(rule);
}
