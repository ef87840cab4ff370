import { describe, expect, it } from 'vitest';
import { matchesCondition, parseMetadataHeader } from '../../src/routing/conditions';

describe('matchesCondition', () => {
  it('compares estimated input tokens with every bound given', () => {
    const when = { inputTokens: { gt: 10, lte: 20 } };
    expect(matchesCondition(when, { inputTokens: 10 })).toBe(false);
    expect(matchesCondition(when, { inputTokens: 11 })).toBe(true);
    expect(matchesCondition(when, { inputTokens: 20 })).toBe(true);
    expect(matchesCondition(when, { inputTokens: 21 })).toBe(false);
    expect(matchesCondition(when, {})).toBe(false);
    expect(matchesCondition({ inputTokens: { gte: 5, lt: 6 } }, { inputTokens: 5 })).toBe(true);
  });

  it('matches metadata fields by equality or membership', () => {
    expect(matchesCondition({ metadata: { feature: 'search' } }, { metadata: { feature: 'search' } })).toBe(
      true,
    );
    expect(matchesCondition({ metadata: { feature: ['a', 'b'] } }, { metadata: { feature: 'b' } })).toBe(
      true,
    );
    expect(matchesCondition({ metadata: { feature: 'search' } }, { metadata: { user: 'u1' } })).toBe(false);
  });

  it('matches the key team by id', () => {
    expect(matchesCondition({ team: ['t1', 't2'] }, { team: 't2' })).toBe(true);
    expect(matchesCondition({ team: 't1' }, { team: null })).toBe(false);
  });
});

describe('parseMetadataHeader', () => {
  it('keeps string pairs, at most eight', () => {
    const header = JSON.stringify(
      Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, `v${i}`])),
    );
    expect(Object.keys(parseMetadataHeader(header))).toHaveLength(8);
    expect(parseMetadataHeader('{"user":"u1","n":3}')).toEqual({ user: 'u1' });
  });

  it('routes a malformed header as if it were absent', () => {
    expect(parseMetadataHeader('not json')).toEqual({});
    expect(parseMetadataHeader('["a"]')).toEqual({});
    expect(parseMetadataHeader(undefined)).toEqual({});
  });
});
