// When to try the same target again, and how long to wait first: exponential backoff with full
// jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), or the provider's retry-after.
import type { UpstreamError } from '../providers/types';
import type { RetryConfig } from './config-schema';

/** Provider-side failures worth repeating on the same target: no answer, or a listed status. */
export function retryableOnSameTarget(error: UpstreamError, config: Pick<RetryConfig, 'onStatus'>): boolean {
  if (!error.retryable) return false;
  if (error.failure === 'network' || error.failure === 'timeout') return true;
  return config.onStatus.includes(error.status);
}

/**
 * The wait before retry number `retry` (0 = the first retry): uniform in
 * [0, min(maxDelayMs, baseDelayMs · 2^retry)). A provider's retry-after wins when it fits under
 * maxDelayMs; when it asks for longer, undefined: do not wait here, move to the next target.
 */
export function backoffDelay(
  retry: number,
  config: Pick<RetryConfig, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
  retryAfterMs?: number,
): number | undefined {
  if (retryAfterMs !== undefined) {
    return retryAfterMs <= config.maxDelayMs ? Math.ceil(retryAfterMs) : undefined;
  }
  const ceiling = Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** setTimeout as a promise that a client abort cuts short. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
