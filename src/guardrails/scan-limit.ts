// The error a request gets when its custom guardrail patterns run out of scan budget.
import { GatewayError } from '../errors';

/**
 * The request's custom patterns would need more matcher steps than one request may spend. Fails
 * closed — the text was not shown to be clean — but it is not a block: no rule matched, and the
 * remedy is the client's, to send less text. Hence 413 `request_too_large`, like an oversized body,
 * which clients do not retry (a retry would burn the same CPU again).
 */
export class ScanLimitExceeded extends GatewayError {
  constructor(limit: number) {
    super(
      413,
      'invalid_request_error',
      'request_too_large',
      `The request is too large for the gateway's guardrail patterns to scan (they would need more than ${limit} matcher steps): send less text.`,
    );
  }
}
