// How one request waits for work another request is doing in the same isolate. workerd ties I/O
// objects to the request that made them, and a promise one request resolves runs the waiter's
// continuation in the resolver's context (or never, once that request is gone). So requests share
// only plain fields, and a waiter looks at them on timers of its own.

export interface PollOptions {
  /** The first pause (ms); each later one doubles, up to `maxMs`. */
  firstMs: number;
  maxMs: number;
  /** No pause runs past this time (ms since the epoch); `step` decides what its passing means. */
  until?: number;
}

/**
 * Runs `step` at once and again after each pause until it returns a value other than undefined,
 * and resolves with that value.
 */
export async function poll<T>(
  step: () => T | undefined | Promise<T | undefined>,
  { firstMs, maxMs, until = Number.POSITIVE_INFINITY }: PollOptions,
): Promise<T> {
  for (let pause = firstMs; ; pause = Math.min(pause * 2, maxMs)) {
    const result = await step();
    if (result !== undefined) return result;
    const left = Math.max(0, until - Date.now());
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}
