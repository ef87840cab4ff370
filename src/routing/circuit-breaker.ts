// Circuit breakers per provider+model. After `failureThreshold` consecutive failed attempts a
// circuit opens and the target is skipped for `cooldownMs`; then one probe is let through
// (half-open): success closes the circuit, failure re-opens it.
//
// State lives in isolate memory, one instance per compiled config (config/runtime.ts), so it
// costs no round trip and a new config starts healthy. It is health, not request state: each
// isolate learns on its own, which is what a breaker needs (fast, local, approximate).
import type { CircuitBreakerConfig } from './config-schema';

interface Circuit {
  failures: number;
  lastFailureAt: number;
  /** When the circuit (re)opened; undefined while closed. */
  openedAt?: number;
  /** When the half-open probe in flight was let through. */
  probeAt?: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';
/** `closed`: go ahead; `probe`: go ahead as the half-open probe; `false`: skip. */
export type Admission = 'closed' | 'probe' | false;

/** Direct `<provider>/<model>` addressing lets clients name arbitrary models: keep the map bounded. */
const MAX_CIRCUITS = 2_000;

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();

  constructor(private readonly maxCircuits = MAX_CIRCUITS) {}

  state(key: string, config: CircuitBreakerConfig, now: number): CircuitState {
    const circuit = this.circuits.get(key);
    if (!config.enabled || circuit?.openedAt === undefined) return 'closed';
    return now - circuit.openedAt < config.cooldownMs ? 'open' : 'half-open';
  }

  /** Whether an attempt may go to this target now; a half-open circuit admits one probe at a time. */
  admit(key: string, config: CircuitBreakerConfig, now: number): Admission {
    const state = this.state(key, config, now);
    if (state === 'closed') return 'closed';
    if (state === 'open') return false;
    const circuit = this.circuits.get(key)!;
    // A probe that never reported back (its request vanished) must not hold the circuit forever.
    if (circuit.probeAt !== undefined && now - circuit.probeAt < Math.max(config.cooldownMs, 1)) return false;
    circuit.probeAt = now;
    return 'probe';
  }

  /**
   * A success closes the circuit, unless it is evidence from an attempt begun at `since` and the
   * circuit opened after that (a long stream that started before an outage says nothing of it).
   */
  success(key: string, since?: number): void {
    const openedAt = this.circuits.get(key)?.openedAt;
    if (since !== undefined && openedAt !== undefined && openedAt > since) return;
    this.circuits.delete(key);
  }

  failure(key: string, config: CircuitBreakerConfig, now: number): void {
    if (!config.enabled) return;
    const circuit = this.circuits.get(key) ?? { failures: 0, lastFailureAt: now };
    circuit.failures++;
    circuit.lastFailureAt = now;
    // A failed probe, or a failure while already open (a last-resort try), restarts the cooldown.
    if (circuit.openedAt !== undefined || circuit.failures >= config.failureThreshold) {
      circuit.openedAt = now;
      circuit.probeAt = undefined;
    }
    this.circuits.delete(key); // re-insert: the map's order is least recently failed first
    this.circuits.set(key, circuit);
    if (this.circuits.size > this.maxCircuits) {
      const oldest = this.circuits.keys().next().value;
      if (oldest !== undefined) this.circuits.delete(oldest);
    }
  }

  /** An attempt that ended without a verdict (client gone): free the probe slot. */
  release(key: string): void {
    const circuit = this.circuits.get(key);
    if (circuit) circuit.probeAt = undefined;
  }

  /** Of these keys, the one whose last failure is oldest (keys without a failure first). */
  leastRecentlyFailed(keys: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestAt = Number.POSITIVE_INFINITY;
    for (const key of keys) {
      const at = this.circuits.get(key)?.lastFailureAt ?? Number.NEGATIVE_INFINITY;
      if (at < bestAt) {
        best = key;
        bestAt = at;
      }
    }
    return best;
  }

  clear(): void {
    this.circuits.clear();
  }
}
