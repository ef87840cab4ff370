// A call that may fail for a moment (a Durable Object overloaded, D1 or KV unreachable), tried
// again at once a few times before the caller says what could not be done.

/** `call`, up to `times` times; if every try fails, `exhausted` (which throws) gets the last error. */
export async function tried<T>(
  call: () => Promise<T>,
  exhausted: (last: unknown) => never,
  times = 3,
): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < times; attempt++) {
    try {
      return await call();
    } catch (error) {
      last = error;
    }
  }
  return exhausted(last);
}
