// Settles leave an isolate in batches, one outbox per key or team object (src/isolate/outbox.ts):
// a busy key's requests finishing close together reach its object in one call and one ledger
// write, instead of one each. The object handles a key's admissions one at a time, so this is
// what lets a budgeted key go past about a thousand requests a second, and locally it takes most
// of a budgeted request's settle cost off the gateway's thread.
//
// A batch that fails is tried again, as a batch (settle-send.ts); should its sender vanish
// mid-call (no sign of life for GIVE_UP_MS), each request in it sends its own settle: the object
// applies each request's settle once, however often it arrives. Only when every try fails do the
// costs go uncharged (reported; the reservations expire at the object). Settles that must follow a
// booked draw do not come here (admitted.ts sends those alone, on the stub that booked it).
import { Outbox } from '../isolate/outbox';
import type { KeyObject } from './key-object';
import type { SettleRequest } from './settle-batch';
import { sendSettles } from './settle-send';

/** How long a settle waits for company: the reservation it ends is held that much longer. */
const SETTLE_LINGER_MS = 10;
/** Settles per call. */
const MAX_SETTLES = 100;
/** A settle whose call has not reported back after this long is given up on by its request. */
const GIVE_UP_MS = 10_000;
/** Outboxes kept; past this, idle ones are dropped (a key's next settle starts a new one). */
const MAX_OUTBOXES = 10_000;

const outboxes = new Map<string, Outbox<SettleRequest>>();

/**
 * Settles `request` at `stub`'s object (through this request's own stub), batched with this
 * isolate's other settles for that object; resolves once the call carrying it returned (never throws).
 */
export function settleLater(
  namespace: DurableObjectNamespace<KeyObject>,
  stub: DurableObjectStub<KeyObject>,
  request: SettleRequest,
): Promise<void> {
  const name = stub.id.toString();
  let outbox = outboxes.get(name);
  if (!outbox) {
    if (outboxes.size >= MAX_OUTBOXES) {
      for (const [other, box] of outboxes) if (box.idle) outboxes.delete(other);
    }
    outbox = new Outbox<SettleRequest>({
      maxItems: MAX_SETTLES,
      lingerMs: SETTLE_LINGER_MS,
      takeoverMs: GIVE_UP_MS,
      resend: true,
    });
    outboxes.set(name, outbox);
  }
  // Every try failed: reported, and not sent again request by request (that would only add load
  // to an object that is failing); a call that went silent is.
  return outbox.post(request, async (settles, alive) => {
    await sendSettles(namespace, stub, settles, alive);
    return true;
  });
}

/** Objects with settles queued or on their way from this isolate (tests wait for none). */
export function settlesPending(): number {
  let pending = 0;
  for (const outbox of outboxes.values()) if (!outbox.idle) pending++;
  return pending;
}
