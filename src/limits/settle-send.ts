// Delivers settles to a key or team object, and again after a failure: the object applies each
// request's settle once (src/limits/recent-settles.ts), so resending is safe whether or not the
// failed call was applied (src/isolate/fresh-stubs.ts: a fresh stub each try, longer waits for an
// overloaded object).
import { describeFailure } from '../describe-error';
import { onFreshStubs } from '../isolate/fresh-stubs';
import type { KeyObject } from './key-object';
import type { SettleRequest } from './settle-batch';

type Stub = DurableObjectStub<KeyObject>;

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
  try {
    await onFreshStubs(
      stub,
      () => namespace.get(stub.id),
      (target) => target.settleMany(settles),
      alive,
    );
    return true;
  } catch (error) {
    console.error(`settle of ${settles.length} request(s) failed`, describeFailure(error));
    return false;
  }
}
