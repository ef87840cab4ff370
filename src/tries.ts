// A call that may fail for a moment (a Durable Object overloaded, D1 or KV unreachable), tried
// again a few times (at once, unless the caller asks for a pause) before the caller says what
// could not be done.

/**
 * `call`, up to `times` times, `pauseMs` apart; if every try fails, `exhausted` (which throws) gets
 * the last error.
 */
export async function tried<T>(
  call: () => Promise<T>,
  exhausted: (last: unknown) => never,
  times = 3,
  pauseMs = 0,
): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < times; attempt++) {
    if (attempt > 0 && pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    try {
      return await call();
    } catch (error) {
      last = error;
    }
  }
  return exhausted(last);
}
