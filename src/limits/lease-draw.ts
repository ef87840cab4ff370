// A leased request's worst case drawn from its leases' budget shares (src/limits/lease.ts), which
// the objects hold reserved, so the request goes upstream without waiting for them. A request that
// ends within BOOK_AFTER_MS settles with its draw: one message that takes the draw out of the share
// and charges the cost. One still running then is booked at the objects as its own reservation
// (`drawLease`) — well before its share is released, RETURN_GRACE_MS after the lease's end — and
// settles once that is answered (or BOOK_WAIT_MS has passed), as any admission.
import type { Drawn } from './lease';

export const BOOK_AFTER_MS = 2000;
/** How long a settle waits for the booking's answer: a settle must not be lost to a stuck call. */
const BOOK_WAIT_MS = 5000;

export interface LeaseDrawing {
  /** The leases drawn from, per side with a budget. */
  leases: Drawn;
  usd: number;
  /**
   * The request is settling: true when the draw was not booked (nor will it be), so the settle
   * carries it; false when it was, or is on its way: settle after `booked`.
   */
  settleWith(): boolean;
  /** Resolves once the booking is answered, failed or BOOK_WAIT_MS old, or at once when settle carries the draw. */
  booked: Promise<void>;
}

export function drawLater(
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  leases: Drawn,
  usd: number,
  book: () => Promise<void>,
): LeaseDrawing {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = () => {};
  const booked = new Promise<void>((resolve) => {
    done = resolve;
    timer = setTimeout(() => {
      timer = undefined;
      const waited = setTimeout(resolve, BOOK_WAIT_MS);
      book()
        .catch(() => {})
        .finally(() => {
          clearTimeout(waited);
          resolve();
        });
    }, BOOK_AFTER_MS);
  });
  ctx.waitUntil(booked);
  return {
    leases,
    usd,
    booked,
    settleWith() {
      if (timer === undefined) return false;
      clearTimeout(timer);
      timer = undefined;
      done();
      return true;
    },
  };
}
