// A key object's part in its key's rotations (governance/key-rotation.ts), which KeyObject's RPC
// methods delegate to. Old side: the hand-over, and the move it records (`moved`: admissions
// redirected, then refused; calls forwarded). New side: the hand-overs it awaits, fetches when late
// and adopts, each once (rotation-adoption.ts).
import type { KeyPolicy } from '../keys/policy';
import type { BudgetState } from './budget';
import type { KeyObject } from './key-object';
import { finalMove, MAX_ROTATION_HOPS, MOVED, type Moved, movedRefusal, type PolicyRead } from './moved';
import { Adoptions, type HandOver, type PendingHandOver } from './rotation-adoption';

/** What a rotation reads and changes of the key object it runs in. */
export interface RotatingObject {
  /** The object's own state a hand-over carries. */
  carried(): Pick<HandOver, 'policy' | 'revision' | 'ledger' | 'lastUsedAt'>;
  /** Sets a policy as an admin write of that revision does, here only (no forwarding). */
  setPolicy(policy: KeyPolicy, revision: number): Promise<unknown>;
  /** Merges a handed ledger into the object's own (KeyObject.adoptLedger). */
  adoptLedger(ledger: BudgetState, now: number): void;
  /** Keeps a handed last use when it is later than the object's own (last-use.ts). */
  adoptLastUsed(at: number | null): Promise<void>;
  /** Wakes admissions waiting for settles (settle-wait.ts). */
  wakeWaiting(): void;
}

export class KeyRotation {
  /** Old side: where the key went and until when (moved.ts); null until this object hands over. */
  moved: Moved | null = null;
  private readonly adoptions: Adoptions;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly keys: DurableObjectNamespace<KeyObject>,
    private readonly object: RotatingObject,
  ) {
    this.adoptions = new Adoptions(storage);
  }

  /** The stored state (key-storage.ts), at the object's start. */
  load(moved: Moved | null, adoption: unknown): void {
    this.moved = moved;
    this.adoptions.load(adoption);
  }

  /** New side: hand-overs are awaited, so an admission or usage read fetches them first. */
  get awaiting(): boolean {
    return this.adoptions.awaiting;
  }

  /** Old side: the object the key moved to, where calls made here go on; undefined before a hand-over. */
  movedTo(): DurableObjectStub<KeyObject> | undefined {
    return this.moved ? this.objectOf(this.moved.to) : undefined;
  }

  private objectOf(keyHash: string): DurableObjectStub<KeyObject> {
    return this.keys.get(this.keys.idFromName(keyHash));
  }

  /**
   * Old side: an admin change that was on its way here when the key moved (it read the key before
   * the rotation), passed on to the new secret's object, or the change would be lost there. What
   * that object says is the answer (a revocation there is the key's); undefined where the key has
   * not moved, or the change has been passed on MAX_ROTATION_HOPS times already.
   */
  async forwardPolicy(
    policy: KeyPolicy,
    revision: number | undefined,
    hops: number,
  ): Promise<'set' | 'older' | 'revoked' | undefined> {
    if (!this.moved || hops >= MAX_ROTATION_HOPS) return undefined;
    return this.objectOf(this.moved.to).setPolicy(policy, revision, hops + 1);
  }

  /**
   * Old side: the policy the old secret reads, its new object's while every rotation since it is in
   * its grace period, up to MAX_ROTATION_HOPS of them; after, the refusal an admission following
   * the same moves ends with (movedRefusal, followMoves).
   */
  async followPolicy(moved: Moved, hops: number): Promise<PolicyRead> {
    const refused = movedRefusal(moved, Date.now());
    if (refused.reason === 'rotated' || hops >= MAX_ROTATION_HOPS) return refused;
    return this.objectOf(moved.to).readPolicy(hops + 1);
  }

  /**
   * Old side: from now on this object redirects admissions to `to` until `until`, then refuses
   * them; its policy, ledger and last use go to the new object (returned, then forgotten).
   */
  async handOver(moved: Moved): Promise<HandOver> {
    // Asked again by the same rotation (its first reply lost), or fetched by the new object: the
    // same hand-over, again, and the grace period first set.
    if (this.moved && this.moved.to !== moved.to) throw new Error('this key has already moved elsewhere');
    // What this object settled stays here: a resend comes back to the object that admitted the
    // request, which skips what it has seen before forwarding the rest.
    const handed = this.handed(moved.to);
    if (!this.moved) {
      this.moved = moved;
      this.object.wakeWaiting(); // a waiting admission follows the key to its new object
      await this.storage.put(MOVED, moved);
    }
    return handed;
  }

  /**
   * Old side, a rotation rolling back: its move to `to` undone, for its hand-over may have been
   * applied with every reply lost. Only that rotation's (`to` names it): a move elsewhere is
   * another's, which stands. The ledger never left (a hand-over copies it), so it is this object's again.
   */
  async unmove(to: string): Promise<void> {
    if (this.moved?.to !== to) return;
    this.moved = null;
    await this.storage.delete(MOVED);
  }

  private handed(to: string): HandOver {
    return { ...this.object.carried(), to, adoption: this.adoptions.state };
  }

  /**
   * Old side, asked by the new object for a hand-over it awaits (fetchHandOvers): the one made for
   * `awaited.to`; null when this object has not handed over (its rotation is still running, or
   * rolls back) or went elsewhere. A `final` one (the key's row has moved past `to`) is made now if
   * need be, as the rotation would — a secret ended meanwhile gets no grace period to redirect in.
   */
  async handOverFor(awaited: PendingHandOver): Promise<HandOver | null> {
    if (this.moved) return this.moved.to === awaited.to ? this.handed(awaited.to) : null;
    if (!awaited.final) return null;
    return this.handOver(finalMove(awaited, this.object.carried().policy, Date.now()));
  }

  /**
   * New side, before the key's row names this object: until the hand-over from `awaited.from` is
   * here, a budget is not checked against a ledger without it (KeyObject.admitAt).
   */
  async awaitHandOver(awaited: PendingHandOver): Promise<void> {
    await this.adoptions.await(awaited);
  }

  /** New side: the hand-overs this object awaits, asked of the old objects (rotation-adoption.ts `fetch`). */
  fetchHandOvers(): Promise<void> {
    return this.adoptions.fetch(
      (awaited) => this.objectOf(awaited.from).handOverFor(awaited),
      (handed) => this.adopt(handed),
      () => this.moved !== null,
    );
  }

  /**
   * New side: takes over the old object's ledger (merged with anything booked since), and its
   * policy when an admin write newer than the one the rotation read reached it meanwhile. Each
   * rotation's hand-over (named by `to`) is adopted once: sent by the rotation, fetched by this
   * object (fetchHandOvers) or forwarded along two moves, its spend counts once.
   */
  async adopt(handed: HandOver, hops = 0): Promise<void> {
    // Rotated again before this rotation's hand-over arrived: the ledger goes where the key went,
    // or it would be stranded here (spend back to 0, a budget's cap gone).
    if (this.moved && hops < MAX_ROTATION_HOPS) return this.objectOf(this.moved.to).adopt(handed, hops + 1);
    if (this.adoptions.adopted(handed.to)) return;
    // Marked before the first await, so that a second delivery meanwhile is not merged too.
    const undo = this.adoptions.mark(handed.to);
    try {
      // Set as an admin write of that revision is (so a revocation here stays).
      if (handed.policy && handed.revision > this.object.carried().revision)
        await this.object.setPolicy(handed.policy, handed.revision);
    } catch (error) {
      undo();
      throw error;
    }
    if (handed.ledger) this.object.adoptLedger(handed.ledger, Date.now());
    this.adoptions.join(handed);
    await this.object.adoptLastUsed(handed.lastUsedAt);
  }
}
