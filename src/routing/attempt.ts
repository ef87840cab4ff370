// One call to one target, bounded by its timeouts: the whole request's, and for streams the first
// byte's (which stops applying once the caller reports the stream's first whole event). Both end
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

/** The whole-request timer fired (requestMs, or what totalMs left of it), not the first event's. */
export class RequestTimedOut extends UpstreamError {}

export async function runAttempt<T>(
  call: (ctx: AttemptContext) => Promise<T>,
  adapter: ProviderAdapter,
  target: Target,
  limits: AttemptLimits,
): Promise<T> {
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(limits.clientSignal?.reason);
  limits.clientSignal?.addEventListener('abort', onClientAbort, { once: true });
  // One timer per attempt: first due at the first-byte deadline (streams), where it aborts unless
  // the first event has come, then — rarely, since a stream's attempt ends at its first event —
  // re-armed for what is left of the request timeout.
  const requestDue = Date.now() + limits.requestMs;
  let awaitingFirst = limits.firstByteMs !== undefined && limits.firstByteMs < limits.requestMs;
  const onTimer = () => {
    if (awaitingFirst) return controller.abort(new AttemptTimeout('first event'));
    const left = requestDue - Date.now();
    if (left > 0) timer = setTimeout(onTimer, left);
    else controller.abort(new AttemptTimeout('request'));
  };
  let timer = setTimeout(
    onTimer,
    awaitingFirst ? (limits.firstByteMs ?? limits.requestMs) : limits.requestMs,
  );
  const firstByte = () => {
    awaitingFirst = false;
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
    clearTimeout(timer);
    if (onAbort) controller.signal.removeEventListener('abort', onAbort);
    limits.clientSignal?.removeEventListener('abort', onClientAbort);
  }
}

/** Any failure as an UpstreamError, except a client abort and gateway errors, which pass as they are. */
function asUpstreamError(thrown: unknown, signal: AbortSignal): unknown {
  // The timer fired: whatever the adapter threw on its way out (often a generic network error
  // from the aborted read) is really a timeout.
  if (signal.aborted && signal.reason instanceof AttemptTimeout) {
    const message = `timed out waiting for the ${signal.reason.message}`;
    return signal.reason.message === 'request'
      ? new RequestTimedOut('timeout', 0, message)
      : new UpstreamError('timeout', 0, message);
  }
  if (thrown instanceof UpstreamError || thrown instanceof GatewayError || signal.aborted) return thrown;
  return new UpstreamError('network', 0, thrown instanceof Error ? thrown.message : String(thrown));
}
