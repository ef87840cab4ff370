// Durable Object calls that are safe to repeat (settles and log appends are applied once however
// often they arrive), tried again after a failure. A stub that threw stays broken, so each new try
// gets a fresh one; an object that reports overload is given longer before the next.

/** Waits before the second and third tries (ms); overloaded objects get the longer ones. */
const RETRY_MS = [100, 1000];
const OVERLOADED_RETRY_MS = [1000, 3000];

/** A Durable Object call refused because the object is overloaded (the runtime's `.overloaded`). */
export const overloaded = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { overloaded?: unknown }).overloaded === true;

/**
 * `call` on `stub`, and after a failure on `fresh()` stubs, up to three tries in all, waiting
 * (with jitter) between them; `alive` runs before each new try (for an outbox that waits on it).
 * Resolves with the first success; rejects with the last failure.
 */
export async function onFreshStubs<S, R>(
  stub: S,
  fresh: () => S,
  call: (stub: S) => Promise<R>,
  alive: () => void = () => {},
): Promise<R> {
  let target = stub;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(target);
    } catch (error) {
      const wait = (overloaded(error) ? OVERLOADED_RETRY_MS : RETRY_MS)[attempt];
      if (wait === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random())));
      alive();
      target = fresh();
    }
  }
}
