// The object's side of admission leases (src/limits/lease.ts is the isolate's): the shares of its
// RPM and TPM buckets that isolates hold. A share stays in the bucket but is held — no other
// admission can take it — until the isolate gives back what it did not use (then the rest is
// consumed) or the share expires unreturned (then all of it is consumed). Holding rather than
// taking up front keeps the limit exact: a bucket that refills to its size while a share is out
// cannot make a returned share count twice.

export interface Share {
  requests: number;
  tokens: number;
}

/** A lease's share, as an isolate gives it back. */
export interface Returned extends Share {
  id: number;
  /** The budget share's unused rest (USD); it is held in the budget ledger, not here. */
  usd?: number;
}

/**
 * How long after its end the object still takes a share back. The isolate gives a lease back with
 * its next ask but one (it takes the refunds of requests still running meanwhile), or with its
 * next ask once the lease's time is up.
 */
export const RETURN_GRACE_MS = 5000;

interface Held extends Share {
  /** The object's clock: past this (plus the grace), the share counts as used in full. */
  until: number;
}

export class LeaseLedger {
  private readonly shares = new Map<number, Held>();
  /** Ids grow from the clock, so a share given back after the object restarted matches no new one. */
  private next = Date.now() * 1000;
  /** Sums over the shares out, which the buckets keep for their holders. */
  readonly held: Share = { requests: 0, tokens: 0 };

  /** Records a share held until `until` (at most LEASE_MS from now); one of nothing is not recorded. */
  grant(share: Share, until: number): number {
    const id = this.next++;
    if (share.requests === 0 && share.tokens === 0) return id;
    this.shares.set(id, { ...share, until });
    this.held.requests += share.requests;
    this.held.tokens += share.tokens;
    return id;
  }

  /** A share given back: what was not used returns to the bucket, the rest is consumed. Unknown ids (expired, reset) are ignored. */
  takeBack(returned: Returned, consume: (used: Share) => void): void {
    const share = this.shares.get(returned.id);
    if (!share) return;
    this.release(returned.id, share);
    consume({
      requests: share.requests - clamp(returned.requests, share.requests),
      tokens: share.tokens - clamp(returned.tokens, share.tokens),
    });
  }

  /**
   * Shares never given back: their holders are gone or late, so all of each counts as used. Shares
   * are kept in grant order and expire in about that order, so this stops at the first live one.
   */
  expire(now: number, consume: (used: Share) => void): void {
    for (const [id, share] of this.shares) {
      if (share.until + RETURN_GRACE_MS > now) return;
      this.release(id, share);
      consume(share);
    }
  }

  /** A bucket that starts afresh (its limit changed): its part of every share is neither held nor taken back. */
  forget(side: keyof Share): void {
    for (const share of this.shares.values()) share[side] = 0;
    this.held[side] = 0;
  }

  private release(id: number, share: Held): void {
    this.shares.delete(id);
    this.held.requests -= share.requests;
    this.held.tokens -= share.tokens;
  }
}

function clamp(value: number, most: number): number {
  return Math.max(0, Math.min(most, Number.isFinite(value) ? value : 0));
}
