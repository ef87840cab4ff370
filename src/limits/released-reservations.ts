// Reservation ids a key's or team's object released lately, in memory (settled ones are in
// recent-settles.ts, which knows releases only by their own ids): a rotation's hand-over adopted
// after a release was forwarded here must not bring the reservation back.

/** Reservation ids remembered as released here. */
const MAX_RELEASED = 10_000;

export class ReleasedReservations {
  private readonly ids = new Map<string, true>();

  has(reservationId: string): boolean {
    return this.ids.has(reservationId);
  }

  note(reservationId: string): void {
    this.ids.delete(reservationId);
    this.ids.set(reservationId, true);
    if (this.ids.size > MAX_RELEASED) this.ids.delete(this.ids.keys().next().value as string);
  }
}
