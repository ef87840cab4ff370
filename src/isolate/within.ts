// Waiting for work at most so long: a slow cache lookup is a miss, a slow direct log write goes to
// the buffer instead. The work is not stopped (a caller that can cancel it does so in `late`).

/**
 * `work`'s outcome, or, if it has not settled after `ms`, `late()`'s value. A failure of `work`
 * after that is ignored; the timer is cleared either way.
 */
export async function within<T, L>(work: Promise<T>, ms: number, late: () => L): Promise<T | L> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<L>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  work.catch(() => {}); // once too late, its failure no longer matters
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
