// The per-request scan budget of custom patterns: every pattern rule of one request (prompt and
// response) draws on one allowance of matcher steps, and running out fails the request closed.

/**
 * Matcher steps one request may spend on custom patterns. The matcher runs at ~100–120 million
 * steps per second on the 2-core development machine, so this is about 1 s of CPU at worst;
 * ordinary patterns spend 5–30 steps per character, so a 1 MB prompt takes 5–30 million.
 */
export const SCAN_BUDGET = 100_000_000;

/**
 * Steps charged for each character the matcher visits, over the closure entries and set tests it
 * counts: the fixed work of a position (reading the code point, swapping thread lists) costs about
 * as much as four of those.
 */
export const POSITION_STEPS = 4;

/** What one request has left; shared by the pattern rules selected for it, never by two requests. */
export class ScanBudget {
  used = 0;
  constructor(readonly limit: number = SCAN_BUDGET) {}

  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }
}

/** Thrown by the matcher when a scan would spend more than the budget has left. */
export class ScanBudgetExceeded extends Error {
  constructor(readonly limit: number) {
    super(`custom guardrail patterns would need more than ${limit} matcher steps`);
  }
}
