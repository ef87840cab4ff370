// A rotation's new key object and the hand-overs it adopts (key-object-rotation.ts `adopt`): the ones it
// awaits and has adopted (stored under `adoption`), fetched from the old objects when late, each
// adopted once, and the old secret's ledger merged into its own.
import * as z from 'zod';
import { describeFailure } from '../describe-error';
import type { KeyPolicy } from '../keys/policy';
import { type Budget, type BudgetState, budgetStateSchema, current, joinedHistory, roundUsd } from './budget';
import { MAX_ROTATION_HOPS } from './moved';

/** The storage key of the object's `Adoption`. */
export const ADOPTION = 'adoption';

/** What a rotation hands from the old key's object to the new one. */
export interface HandOver {
  policy: KeyPolicy | null;
  /** The policy's revision (see setPolicy); 0 when it was set without one. */
  revision: number;
  ledger: BudgetState | undefined;
  lastUsedAt: number | null;
  /** The object it was made for (its key hash): names the rotation, so that it is adopted once. */
  to?: string;
  /** The old object's own rotations in (hand-overs it awaited, and adopted), which go on with it. */
  adoption?: Adoption;
}

const pendingHandOverSchema = z.object({
  /** The old object (its key hash); it redirects to `to` once it has handed over. */
  from: z.string(),
  /** The object the hand-over is for: this one, or one whose place this one took. */
  to: z.string(),
  /** The old secret's grace period, as the rotation set it. */
  until: z.number(),
  /**
   * The key's row has moved on past `to` (the entry came with a later rotation's hand-over), so
   * its rotation can no longer roll back: `from` may be told to hand over now, as the rotation
   * itself would (key-rotation.ts).
   */
  final: z.boolean().optional(),
});
const adoptionSchema = z.object({ awaiting: z.array(pendingHandOverSchema), adopted: z.array(z.string()) });
/** A rotation's hand-over a new object waits for. */
export type PendingHandOver = z.infer<typeof pendingHandOverSchema>;
/**
 * Hand-overs a rotation's new object waits for, and those it adopted (by `to`, the last
 * MAX_ADOPTED): a key that was never rotated into has none, and its admissions never look further.
 */
export type Adoption = z.infer<typeof adoptionSchema>;
const MAX_ADOPTED = 16;

/** The object's adoption state, kept in memory and stored under ADOPTION. */
export class Adoptions {
  state: Adoption = { awaiting: [], adopted: [] };
  /** The fetch of awaited hand-overs in flight (fetch), one at a time. */
  private fetching: Promise<void> | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** The value stored under ADOPTION, if any (at the object's start). */
  load(stored: unknown): void {
    if (stored !== undefined) this.state = adoptionSchema.parse(stored);
  }

  /** Hand-overs are awaited: an admission or usage read fetches them first. */
  get awaiting(): boolean {
    return this.state.awaiting.length > 0;
  }

  /** Records a rotation's hand-over to wait for, unless adopted or awaited already. */
  async await(awaited: PendingHandOver): Promise<void> {
    const { awaiting, adopted } = this.state;
    if (adopted.includes(awaited.to) || awaiting.some((a) => a.to === awaited.to)) return;
    this.state = { awaiting: [...awaiting, awaited], adopted };
    await this.storage.put(ADOPTION, this.state);
  }

  /**
   * The hand-overs this object awaits, asked of the old objects (one fetch at a time): the
   * rotation's own adopt is late, or never comes (it stopped after the hand-over). Only what
   * `handOverFor` gives; an old object that cannot answer leaves them awaited, and a budget refused
   * here (a 503 to retry) until they arrive — a rotation that fails before its hand-over revokes
   * this object, whose secret it never showed.
   */
  fetch(
    ask: (awaited: PendingHandOver) => Promise<HandOver | null>,
    adopt: (handed: HandOver) => Promise<void>,
    moved: () => boolean,
  ): Promise<void> {
    this.fetching ??= this.fetchRounds(ask, adopt, moved)
      .catch((error: unknown) => console.error('hand-over fetch failed', describeFailure(error)))
      .finally(() => {
        this.fetching = undefined;
      });
    return this.fetching;
  }

  private async fetchRounds(
    ask: (awaited: PendingHandOver) => Promise<HandOver | null>,
    adopt: (handed: HandOver) => Promise<void>,
    moved: () => boolean,
  ): Promise<void> {
    // A hand-over may bring the ones its old object awaited in turn: fetched in the next round.
    for (let round = 0; round < MAX_ROTATION_HOPS && !moved(); round++) {
      const due = this.state.awaiting.filter((a) => !this.state.adopted.includes(a.to));
      const fetched = await Promise.allSettled(due.map(ask));
      let adopted = false;
      for (const result of fetched) {
        if (result.status === 'rejected')
          console.error('hand-over fetch failed', describeFailure(result.reason));
        else if (result.value) {
          await adopt(result.value);
          adopted = true;
        }
      }
      if (!adopted) return;
    }
  }

  /** The rotation that made a hand-over for `to` was adopted here already. */
  adopted(to: string | undefined): boolean {
    return to !== undefined && this.state.adopted.includes(to);
  }

  /**
   * Marks `to` adopted before the adoption's first await, so that a second delivery meanwhile is
   * not merged too; the returned function undoes it (the adoption failed). Only the mark: another
   * adoption completed meanwhile stays adopted (and no longer awaited), or its re-delivery (or
   * fetch) would count its spend twice; stored, as such an adoption stored this mark with its own.
   */
  mark(to: string | undefined): () => void {
    if (to === undefined) return () => {};
    this.state = { ...this.state, adopted: [...this.state.adopted, to] };
    return () => {
      this.state = { ...this.state, adopted: this.state.adopted.filter((adopted) => adopted !== to) };
      void this.storage.put(ADOPTION, this.state);
    };
  }

  /** Joins the hand-over's own adoption in; call it in the adopted ledger's commit. */
  join(handed: HandOver): void {
    if (handed.to === undefined && !handed.adoption) return;
    // In the ledger's commit: an admission never sees one without the other.
    this.state = joinAdoptions(this.state, handed.adoption);
    void this.storage.put(ADOPTION, this.state);
  }
}

/**
 * An adoption after a hand-over that brought the old object's own: what it awaited goes on
 * awaited here, `final` (its row has moved on past the old object), and what it adopted counts as
 * adopted here. Awaited is what no adopted hand-over covers.
 */
function joinAdoptions(mine: Adoption, theirs: Adoption | undefined): Adoption {
  // The latest last (this adoption's own among them), so that the oldest are the ones dropped.
  const adopted = [...new Set([...(theirs?.adopted ?? []), ...mine.adopted])].slice(-MAX_ADOPTED);
  const inherited = (theirs?.awaiting ?? []).map((a) => ({ ...a, final: true }));
  const awaiting = [...mine.awaiting, ...inherited].filter(
    (a, i, all) => !adopted.includes(a.to) && all.findIndex((b) => b.to === a.to) === i,
  );
  return { awaiting, adopted };
}

/**
 * Both ledgers brought to the current period, then one: spend summed, every reservation kept —
 * including those booked here since the rotation (a request drawn from a lease of the old secret).
 * `closed`: a reservation settled or released here since, which the handed ledger still holds.
 */
export function adoptedLedger(
  mine: BudgetState | undefined,
  handed: BudgetState,
  budget: Budget | null | undefined,
  now: number,
  closed: (reservationId: string) => boolean,
): BudgetState {
  const inPeriod = (ledger: BudgetState) => (budget ? current(ledger, budget, now) : ledger);
  const handedOver = inPeriod(budgetStateSchema.parse(handed));
  // A settle forwarded here between the hand-over and this adoption was charged here already:
  // its reservation, still in the handed ledger, would otherwise hold until its TTL.
  const theirs = { ...handedOver, reservations: handedOver.reservations.filter((r) => !closed(r.id)) };
  const ours = mine && inPeriod(mine);
  if (!ours) return theirs;
  const samePeriod = ours.periodStart === theirs.periodStart;
  return {
    ...theirs,
    spentUsd: roundUsd(theirs.spentUsd + (samePeriod ? ours.spentUsd : 0)),
    reservations: [...theirs.reservations, ...ours.reservations],
    alertedAt: theirs.alertedAt ?? (samePeriod ? ours.alertedAt : null),
    // A budget.exhausted told by either side is not told again (src/limits/budget-notices.ts): the
    // later record, as theirs may date from an earlier period, which would not stop this one's.
    ...(samePeriod &&
    (ours.exhaustedAt ?? Number.NEGATIVE_INFINITY) > (theirs.exhaustedAt ?? Number.NEGATIVE_INFINITY)
      ? { exhaustedAt: ours.exhaustedAt }
      : {}),
    ...joinedHistory(theirs, ours),
  };
}
