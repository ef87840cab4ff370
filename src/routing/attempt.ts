// One call to one target, bounded by its timeouts: the whole-request timer, and for streams the
// first-byte timer (stopped by the caller once the stream's first whole event is in hand). Both end
// when the attempt returns: a committed stream is bounded by the relay's idle timeout instead.
import type { Target } from '../config/schema';
import { GatewayError } from '../errors';
import { type ProviderAdapter, UpstreamError } from '../providers/types';

export interface AttemptContext {
  adapter: ProviderAdapter;
  target: Target;
  signal: AbortSignal;
  /** Call once the stream's first whole event has arrived (src/openai/prime-stream.ts), to stop the first-byte timer. */
  firstByte(): void;
}

export interface AttemptLimits {
  requestMs: number;
  /** Set for streams only: until the first whole event (timeouts.firstByteMs). */
  firstByteMs?: number;
  /** The client's signal: when it aborts, the upstream call is aborted too. */
  clientSignal?: AbortSignal;
}

export class AttemptTimeout extends Error {}

export async function runAttempt<T>(
  call: (ctx: AttemptContext) => Promise<T>,
  adapter: ProviderAdapter,
  target: Target,
  limits: AttemptLimits,
): Promise<T> {
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(limits.clientSignal?.reason);
  limits.clientSignal?.addEventListener('abort', onClientAbort, { once: true });
  const requestTimer = setTimeout(() => controller.abort(new AttemptTimeout('request')), limits.requestMs);
  let firstByteTimer =
    limits.firstByteMs === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new AttemptTimeout('first event')),
          Math.min(limits.firstByteMs, limits.requestMs),
        );
  const firstByte = () => {
    if (firstByteTimer !== undefined) clearTimeout(firstByteTimer);
    firstByteTimer = undefined;
  };
  // Adapters should honour the signal, but the deadline must not depend on it: race the abort.
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(controller.signal.reason);
    controller.signal.addEventListener('abort', onAbort, { once: true });
  });
  const pending = call({ adapter, target, signal: controller.signal, firstByte });
  pending.catch(() => {}); // if the abort wins, the loser's rejection is expected
  try {
    return await Promise.race([pending, aborted]);
  } catch (thrown) {
    throw asUpstreamError(thrown, controller.signal);
  } finally {
    firstByte();
    clearTimeout(requestTimer);
    if (onAbort) controller.signal.removeEventListener('abort', onAbort);
    limits.clientSignal?.removeEventListener('abort', onClientAbort);
  }
}

/** Any failure as an UpstreamError, except a client abort and gateway errors, which pass as they are. */
function asUpstreamError(thrown: unknown, signal: AbortSignal): unknown {
  // The timer fired: whatever the adapter threw on its way out (often a generic network error
  // from the aborted read) is really a timeout.
  if (signal.aborted && signal.reason instanceof AttemptTimeout) {
    return new UpstreamError('timeout', 0, `timed out waiting for the ${signal.reason.message}`);
  }
  if (thrown instanceof UpstreamError || thrown instanceof GatewayError || signal.aborted) return thrown;
  return new UpstreamError('network', 0, thrown instanceof Error ? thrown.message : String(thrown));
}
