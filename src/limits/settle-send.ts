// Delivers settles to a key or team object, and again after a failure: the object applies each
// request's settle once (src/limits/recent-settles.ts), so resending is safe whether or not the
// failed call was applied. A stub that threw stays broken, so each new try asks the namespace for
// a fresh one; an object that reports overload is given longer before the next.
import type { KeyObject, SettleRequest } from './key-object';

type Stub = DurableObjectStub<KeyObject>;

/** Waits before the second and third tries (ms); overloaded objects get the longer ones. */
const RETRY_MS = [100, 1000];
const OVERLOADED_RETRY_MS = [1000, 3000];

/**
 * Settles `settles` at `stub`'s object, trying up to three times (calling `alive` before each new
 * try, for an outbox that waits on it); false when every try failed (reported).
 */
export async function sendSettles(
  namespace: DurableObjectNamespace<KeyObject>,
  stub: Stub,
  settles: SettleRequest[],
  alive: () => void = () => {},
): Promise<boolean> {
  let target = stub;
  for (let attempt = 0; ; attempt++) {
    try {
      await target.settleMany(settles);
      return true;
    } catch (error) {
      const waits = overloaded(error) ? OVERLOADED_RETRY_MS : RETRY_MS;
      const wait = waits[attempt];
      if (wait === undefined) {
        console.error(`settle of ${settles.length} request(s) failed`, String(error));
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random())));
      alive();
      target = namespace.get(stub.id);
    }
  }
}

/** A Durable Object call refused because the object is overloaded (the runtime's `.overloaded`). */
export const overloaded = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { overloaded?: unknown }).overloaded === true;
