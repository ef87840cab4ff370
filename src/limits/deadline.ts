// How long a request with a budget may run: its reservation lasts reservationTtlMs from admission,
// and a request still spending past it would spend what new requests may reserve again.

/**
 * When a request admitted at `admittedAt` must be done. Its budget reservation is released
 * `reservationTtlMs` after it was made, as if its settle had been lost: a request still running
 * then would be spending what new requests may reserve again. The margin is the settle's time to
 * arrive. Attempts, backoffs and streams all end by then (routes/chat-completions.ts).
 */
export function answerDeadline(admittedAt: number, reservationTtlMs: number): number {
  return admittedAt + reservationTtlMs - Math.min(10_000, reservationTtlMs / 10);
}

/** A stream's time limit: `streamMaxMs` if set, and with a deadline never past it (whole ms, ≥ 1). */
export function streamLimitMs(
  streamMaxMs: number | undefined,
  deadline: number | undefined,
  now: number,
): number | undefined {
  if (deadline === undefined) return streamMaxMs;
  const left = Math.max(1, Math.floor(deadline - now));
  return streamMaxMs === undefined ? left : Math.min(streamMaxMs, left);
}
