import { describe, expect, it } from 'vitest';
import { answerDeadline, streamLimitMs } from '../../src/limits/deadline';

describe('streamLimitMs', () => {
  it('is streamMaxMs without a deadline (no budget: no reservation to outlive), else the nearer', () => {
    expect(streamLimitMs(undefined, undefined, 0)).toBeUndefined();
    expect(streamLimitMs(60_000, undefined, 0)).toBe(60_000);
    expect(streamLimitMs(undefined, 1_234.5, 0)).toBe(1_234);
    expect(streamLimitMs(60_000, 1_000_000, 0)).toBe(60_000);
    expect(streamLimitMs(undefined, 100, 500)).toBe(1); // past it: ends at once
  });
});

describe('answerDeadline', () => {
  it('ends a request before its reservation would be released, leaving its settle time to arrive', () => {
    expect(answerDeadline(1_000, 15 * 60_000)).toBe(1_000 + 15 * 60_000 - 10_000);
    expect(answerDeadline(1_000, 10_000)).toBe(1_000 + 9_000);
  });
});
