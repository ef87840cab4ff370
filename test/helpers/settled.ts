// Settles leave the isolate batched, a little after the response (src/limits/settle-outbox.ts),
// and some only once a reservation made alongside has answered: tests that look at a ledger wait
// until none has been queued or on its way for a while.
import { settlesPending } from '../../src/limits/settle-outbox';

const QUIET_MS = 40;

export async function settled(timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let quietSince = Date.now();
  while (Date.now() - quietSince < QUIET_MS) {
    if (Date.now() > until) throw new Error('settles still pending');
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (settlesPending() > 0) quietSince = Date.now();
  }
}
