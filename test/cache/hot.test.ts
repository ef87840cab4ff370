import { beforeEach, describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/cache/exact';
import {
  HOT_MAX_AGE_MS,
  HOT_MAX_CHARS,
  HOT_MAX_ENTRY_CHARS,
  hotForget,
  hotGet,
  hotPut,
  hotStats,
} from '../../src/cache/hot';

const NOW = 1_800_000_000_000;

function entry(content: string, expiresAt = NOW + 3_600_000, createdAt = NOW): CacheEntry {
  return {
    v: 1,
    completion: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    },
    createdAt,
    expiresAt,
    costUsd: 0.001,
    provider: 'p',
    model: 'm',
  } as CacheEntry;
}

const contentOf = (found: CacheEntry | undefined) =>
  (found?.completion.choices[0] as { message: { content: string } } | undefined)?.message.content;

describe('hot copies of exact-cache entries', () => {
  beforeEach(() => {
    for (const key of ['a', 'b', 'c', 'big', ...Array.from({ length: 40 }, (_, i) => `k${i}`)])
      hotForget(key);
  });

  it('serves a copy until the age limit, then asks KV again', () => {
    hotPut('a', entry('one'), NOW);
    expect(contentOf(hotGet('a', NOW + HOT_MAX_AGE_MS - 1))).toBe('one');
    expect(hotGet('a', NOW + HOT_MAX_AGE_MS)).toBeUndefined();
    expect(hotStats()).toEqual({ entries: 0, chars: 0 });
  });

  it("never serves a copy past the entry's own expiry", () => {
    hotPut('a', entry('short', NOW + 1000), NOW);
    expect(contentOf(hotGet('a', NOW + 999))).toBe('short');
    expect(hotGet('a', NOW + 1000)).toBeUndefined();
    hotPut('b', entry('gone', NOW - 1), NOW);
    expect(hotGet('b', NOW)).toBeUndefined();
  });

  it('replaces an older copy and hands every reader its own object', () => {
    hotPut('a', entry('old'), NOW);
    hotPut('a', entry('new'), NOW);
    const first = hotGet('a', NOW);
    expect(contentOf(first)).toBe('new');
    if (!first) return;
    (first.completion.choices[0] as { message: { content: string } }).message.content = 'mutated';
    expect(contentOf(hotGet('a', NOW))).toBe('new');
    expect(hotStats().entries).toBe(1);
  });

  it('never lets a slow read of an older answer replace a newer copy (a refresh)', () => {
    hotPut('a', entry('refreshed', NOW + 3_600_000, NOW + 10), NOW + 10);
    hotPut('a', entry('stale read', NOW + 3_600_000, NOW), NOW + 20);
    expect(contentOf(hotGet('a', NOW + 20))).toBe('refreshed');
    hotPut('a', entry('newer still', NOW + 3_600_000, NOW + 30), NOW + 30);
    expect(contentOf(hotGet('a', NOW + 30))).toBe('newer still');
  });

  it('keeps no copy of an answer larger than the per-entry limit', () => {
    hotPut('big', entry('x'.repeat(HOT_MAX_ENTRY_CHARS)), NOW);
    expect(hotGet('big', NOW)).toBeUndefined();
    expect(hotStats()).toEqual({ entries: 0, chars: 0 });
  });

  it('evicts the least recently used copies beyond the isolate budget', () => {
    const text = 'y'.repeat(HOT_MAX_ENTRY_CHARS - 1000);
    const fits = Math.floor(HOT_MAX_CHARS / (HOT_MAX_ENTRY_CHARS - 1000 + 300));
    for (let i = 0; i < fits; i++) hotPut(`k${i}`, entry(text), NOW);
    expect(hotStats().entries).toBe(fits);
    expect(hotGet('k0', NOW)).toBeDefined(); // k0 is now the most recently used
    for (let i = fits; i < fits + 3; i++) hotPut(`k${i}`, entry(text), NOW);
    expect(hotStats().chars).toBeLessThanOrEqual(HOT_MAX_CHARS);
    expect(hotGet('k0', NOW)).toBeDefined();
    expect(hotGet('k1', NOW)).toBeUndefined();
    expect(hotGet(`k${fits + 2}`, NOW)).toBeDefined();
  });
});
