// A rotated key's old object (stored under `moved`): where the key went and until when the old
// secret still works, what an admission there is told, and how many rotations in a row a call
// follows the key along.
import { endReason, type KeyPolicy } from '../keys/policy';

/** Rotations in a row whose grace periods overlap that an old secret can still follow. */
export const MAX_ROTATION_HOPS = 3;

/** The storage key of the object's `Moved`. */
export const MOVED = 'moved';

/** A rotated key's old object: where its policy went, and until when the old secret still works. */
export interface Moved {
  to: string;
  until: number;
}

/**
 * A secret's policy as its object reads it (following the key's rotations), or the refusal an
 * admission there would end with: no such key or team, a rotation's grace over, too many followed.
 */
export type PolicyRead =
  | { ok: true; policy: KeyPolicy }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'moved'; to: string }
  | { ok: false; reason: 'rotated' };

/** An admission at a moved object, asked directly or on behalf of an older secret: this rotation's grace caps both. */
export function movedRefusal(
  moved: Moved,
  now: number,
): { ok: false; reason: 'moved'; to: string } | { ok: false; reason: 'rotated' } {
  return moved.until > now ? { ok: false, reason: 'moved', to: moved.to } : { ok: false, reason: 'rotated' };
}

/**
 * The move a `final` hand-over makes when the new object asks for it (handOverFor), as the
 * rotation would — a secret ended meanwhile gets no grace period to redirect in.
 */
export function finalMove(awaited: Moved, policy: KeyPolicy | null, now: number): Moved {
  const ended = policy !== null && endReason(policy, now) !== undefined;
  return { to: awaited.to, until: ended ? Math.min(awaited.until, now) : awaited.until };
}
