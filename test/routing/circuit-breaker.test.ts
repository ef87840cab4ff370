import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../../src/routing/circuit-breaker';

const config = { enabled: true, failureThreshold: 3, cooldownMs: 1000 };

describe('CircuitBreakers', () => {
  it('opens after N consecutive failures and skips the target during the cooldown', () => {
    const circuits = new CircuitBreakers();
    circuits.failure('a/x', config, 0);
    circuits.failure('a/x', config, 1);
    expect(circuits.admit('a/x', config, 2)).toBe('closed');
    circuits.failure('a/x', config, 2);
    expect(circuits.state('a/x', config, 3)).toBe('open');
    expect(circuits.admit('a/x', config, 3)).toBe(false);
    expect(circuits.admit('a/x', config, 1001)).toBe(false);
  });

  it('counts only consecutive failures: a success resets the count', () => {
    const circuits = new CircuitBreakers();
    circuits.failure('a/x', config, 0);
    circuits.failure('a/x', config, 1);
    circuits.success('a/x');
    circuits.failure('a/x', config, 2);
    circuits.failure('a/x', config, 3);
    expect(circuits.state('a/x', config, 4)).toBe('closed');
  });

  it('half-opens after the cooldown with a single probe, and closes when it succeeds', () => {
    const circuits = new CircuitBreakers();
    for (let t = 0; t < 3; t++) circuits.failure('a/x', config, t);
    expect(circuits.state('a/x', config, 1002)).toBe('half-open');
    expect(circuits.admit('a/x', config, 1002)).toBe('probe');
    expect(circuits.admit('a/x', config, 1003)).toBe(false); // one probe at a time
    circuits.success('a/x');
    expect(circuits.state('a/x', config, 1004)).toBe('closed');
    expect(circuits.admit('a/x', config, 1004)).toBe('closed');
  });

  it('re-opens for a full cooldown when the probe fails', () => {
    const circuits = new CircuitBreakers();
    for (let t = 0; t < 3; t++) circuits.failure('a/x', config, t);
    expect(circuits.admit('a/x', config, 1500)).toBe('probe');
    circuits.failure('a/x', config, 1500);
    expect(circuits.admit('a/x', config, 2499)).toBe(false);
    expect(circuits.admit('a/x', config, 2500)).toBe('probe');
  });

  it('lets a new probe through when the last one never reported back', () => {
    const circuits = new CircuitBreakers();
    for (let t = 0; t < 3; t++) circuits.failure('a/x', config, t);
    expect(circuits.admit('a/x', config, 1002)).toBe('probe');
    expect(circuits.admit('a/x', config, 2001)).toBe(false);
    expect(circuits.admit('a/x', config, 2002)).toBe('probe');
    circuits.release('a/x');
    expect(circuits.admit('a/x', config, 2003)).toBe('probe');
  });

  it('names the least recently failed target', () => {
    const circuits = new CircuitBreakers();
    circuits.failure('a/x', config, 10);
    circuits.failure('b/x', config, 5);
    circuits.failure('c/x', config, 20);
    expect(circuits.leastRecentlyFailed(['a/x', 'b/x', 'c/x'])).toBe('b/x');
    expect(circuits.leastRecentlyFailed(['a/x', 'd/x'])).toBe('d/x');
  });

  it('does nothing when disabled', () => {
    const circuits = new CircuitBreakers();
    const off = { ...config, enabled: false };
    for (let t = 0; t < 10; t++) circuits.failure('a/x', off, t);
    expect(circuits.admit('a/x', off, 11)).toBe('closed');
  });

  it('stays bounded, forgetting the longest-ago failure first', () => {
    const circuits = new CircuitBreakers(2);
    circuits.failure('a/x', config, 1);
    circuits.failure('b/x', config, 2);
    circuits.failure('c/x', config, 3);
    expect(circuits.leastRecentlyFailed(['a/x', 'b/x'])).toBe('a/x'); // a was forgotten: no failure on record
    circuits.failure('b/x', config, 4);
    circuits.failure('b/x', config, 5);
    expect(circuits.state('b/x', config, 6)).toBe('open');
  });
});
