// Answers in flight within one isolate. Identical non-streamed requests share one lookup and one
// upstream call: the first claims the key synchronously, before any I/O, so requests arriving
// together find each other, and the others wait for its answer, for a bounded time. A leader whose
// client leaves hands the key on: its followers claim it again, so one of them leads and the rest
// follow that one (a leader that failed leaves each follower to ask for itself instead). A
// just-produced answer is served from memory until its KV write has landed (read-your-writes in
// this isolate, even before KV has it). A refresh that claims the key while a leader is out holds
// the leader's store back until it knows whether it stores an answer itself: if it stores none,
// the leader's answer is stored after all (by whichever of the two finishes last). Isolate state by nature: it holds only requests in flight
// and writes in progress, each removed as soon as it settles or once it has outlived any request.
//
// Only plain data crosses requests (see src/isolate/poll.ts): the leader writes the answer's JSON
// into the slot, and each follower looks at it on timers of its own and parses its own copy.
import { poll } from '../isolate/poll';
import type { CacheEntry } from './exact';

/** What a leader hands on: the entry, and on a semantic match the similarity it was found at. */
export interface SharedAnswer {
  entry: CacheEntry;
  similarity?: number;
}

interface Slot {
  /** The answer's JSON once known (readable by anyone while its KV write is in progress); null: none came. */
  outcome?: string | null;
  /** When the slot stops counting (ms): a leader that never settled (cancelled, hung), or the answer's expiry. */
  until: number;
  /** The leader's client left before its answer: the key is free for a follower to lead. */
  left?: boolean;
  /** The outcome's createdAt: an older answer (a request that looked earlier) never replaces it. */
  createdAt?: number;
  /** Refreshes that claimed the key while this leader was out and have not finished yet. */
  refreshes?: number;
  /** One of them stored its answer: what the leader brings is the older one, written nowhere. */
  superseded?: boolean;
  /**
   * The leader's outcome is an answer it produced and held back for those refreshes (not one it
   * found: a KV copy, or a semantic match for another question, is not this key's to store).
   */
  withheld?: boolean;
}

const slots = new Map<string, Slot>();
/** Beyond this many distinct keys in flight, new ones simply are not tracked. */
const MAX_SLOTS = 10_000;

/**
 * Settles a claim: the answer (undefined: failed or not storable) and its KV write, if it is
 * stored; `withheld`, a leader's answer it would have stored but for a refresh. A refresh that
 * stores nothing may get back such an answer of the leader it held back, which it then stores in
 * its place (the leader has finished and written nothing).
 */
export type Finish = (
  answer: SharedAnswer | undefined,
  written?: Promise<unknown>,
  withheld?: boolean,
) => SharedAnswer | undefined;

/** What a follower's wait ends with: the answer, `LEADER_LEFT` (claim again), or undefined (ask for yourself). */
export const LEADER_LEFT = 'leader-left';
export type Followed = SharedAnswer | typeof LEADER_LEFT | undefined;

export type Claim =
  /** An answer just produced in this isolate. */
  | { role: 'ready'; answer: SharedAnswer }
  /** Another request is looking this up: wait for its answer. */
  | { role: 'follow'; wait(signal?: AbortSignal): Promise<Followed> }
  /**
   * Look it up and answer; followers get what `finish` hands on (call it once; later calls are
   * ignored). `leave`, when this request's client has gone, hands the key on to a follower instead.
   * `superseded`: a refresh claimed the key since and has stored, or may yet store, a newer
   * answer, so this one is not to be stored over it (finish hands it on, and on to that refresh).
   */
  | { role: 'lead'; finish: Finish; leave: () => void; superseded: () => boolean }
  /** Look it up alone; `finish` makes a stored answer readable while it is written. */
  | { role: 'own'; finish: Finish };

export interface ClaimOptions {
  /** May use an answer from memory or from a leader (false for `x-tollgate-cache: refresh`). */
  read: boolean;
  /** May wait for another request's answer, and so lead (false for streams: their first byte would wait). */
  wait: boolean;
  /** The longest a follower waits, and a leader holds the key: the time one request may run upstream. */
  maxWaitMs: number;
  now: number;
}

/** Synchronous on purpose: with no await between looking and claiming, two requests cannot both lead. */
export function claimInflight(key: string, options: ClaimOptions): Claim {
  let slot = slots.get(key);
  if (slot && slot.until <= options.now) {
    slots.delete(key);
    slot = undefined;
  }
  // A refresh asked after the leader did: its answer is the newer one, and the leader's must not
  // be written over it (README: an older answer never replaces a newer one) — unless it has none.
  if (slot && !options.read && slot.outcome === undefined)
    return { role: 'own', finish: supersede(key, slot) };
  if (slot && options.read) {
    if (slot.outcome) return { role: 'ready', answer: JSON.parse(slot.outcome) as SharedAnswer };
    const leader = slot;
    if (options.wait) return { role: 'follow', wait: (signal) => follow(leader, options.maxWaitMs, signal) };
  }
  if (slot || !options.wait || slots.size >= MAX_SLOTS) return { role: 'own', finish: publish(key) };
  const led: Slot = { until: options.now + options.maxWaitMs };
  slots.set(key, led);
  return {
    role: 'lead',
    finish: lead(key, led),
    leave: () => leave(key, led),
    superseded: () => led.superseded === true || (led.refreshes ?? 0) > 0,
  };
}

function lead(key: string, slot: Slot): Finish {
  return (answer, written, withheld) => {
    if (slot.outcome !== undefined) return undefined;
    slot.outcome = answer ? JSON.stringify(answer) : null;
    if (answer) slot.createdAt = answer.entry.createdAt;
    if (answer && withheld) slot.withheld = true;
    if (answer && written) hold(key, slot, answer.entry.expiresAt, written);
    else release(key, slot);
    return undefined;
  };
}

/**
 * A refresh's claim on a key whose leader is still out: its answer, when it stores one, supersedes
 * the leader's. When it stores none (an error, an answer not to keep), the leader's is not lost: a
 * leader still out stores it as if never superseded, and one that finished meanwhile, writing
 * nothing, hands it back here for this request to store.
 */
function supersede(key: string, leader: Slot): Finish {
  leader.refreshes = (leader.refreshes ?? 0) + 1;
  const own = publish(key);
  let finished = false;
  return (answer, written) => {
    if (finished) return undefined;
    finished = true;
    leader.refreshes = (leader.refreshes ?? 1) - 1;
    if (answer && written) {
      leader.superseded = true;
      return own(answer, written);
    }
    // The leader's answer, held back for this refresh alone (not for one that stored meanwhile).
    const heldBack = leader.refreshes === 0 && !leader.superseded && leader.withheld && leader.outcome;
    return heldBack ? (JSON.parse(leader.outcome as string) as SharedAnswer) : undefined;
  };
}

function leave(key: string, slot: Slot): void {
  if (slot.outcome !== undefined) return;
  slot.outcome = null;
  slot.left = true;
  release(key, slot);
}

/** For a request that did not lead: makes its stored answer readable while it is written. */
export function publish(key: string): Finish {
  return (answer, written) => {
    if (!answer || !written || (!slots.has(key) && slots.size >= MAX_SLOTS)) return undefined;
    if (heldNewer(key, answer.entry.createdAt)) return undefined;
    const slot: Slot = { outcome: JSON.stringify(answer), until: 0, createdAt: answer.entry.createdAt };
    slots.set(key, slot);
    hold(key, slot, answer.entry.expiresAt, written);
    return undefined;
  };
}

/** Whether an answer newer than `createdAt` (a later request's) is being written for the key. */
export function heldNewer(key: string, createdAt: number): boolean {
  const held = slots.get(key)?.createdAt;
  return held !== undefined && held > createdAt;
}

function hold(key: string, slot: Slot, expiresAt: number, written: Promise<unknown>): void {
  if (slots.get(key) !== slot) return; // taken over meanwhile (this leader was presumed gone)
  slot.until = expiresAt;
  void written.finally(() => release(key, slot));
}

function release(key: string, slot: Slot): void {
  if (slots.get(key) === slot) slots.delete(key);
}

const FIRST_LOOK_MS = 5;
const MAX_LOOK_MS = 50;

/**
 * Looks at the leader's slot on this request's own timers; LEADER_LEFT once the leader's client
 * went, undefined once it failed, time is up or the caller left.
 */
async function follow(slot: Slot, maxWaitMs: number, signal: AbortSignal | undefined): Promise<Followed> {
  const until = Date.now() + maxWaitMs;
  const outcome = await poll(
    () => {
      if (slot.outcome !== undefined) return slot.outcome;
      return Date.now() >= until || signal?.aborted ? null : undefined;
    },
    { firstMs: FIRST_LOOK_MS, maxMs: MAX_LOOK_MS, until },
  );
  if (outcome !== null) return JSON.parse(outcome) as SharedAnswer;
  return slot.left && !signal?.aborted ? LEADER_LEFT : undefined;
}
