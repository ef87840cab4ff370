// Delivers one signed event to the alerts webhook: `x-tollgate-signature` is the hex HMAC-SHA256 of
// the raw body with the configured secret, `x-tollgate-timestamp` the send time (ms). A failure
// (non-2xx, network error, timeout) is tried again a bounded number of times with backoff, then
// given up and logged — naming the webhook's origin only, never its path, query or the secret.
import { hex } from '../bytes';
import { describeError } from '../describe-error';

export interface Delivery {
  attempts: number;
  /** Wait before the second try; doubled before each later one. */
  baseDelayMs: number;
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_DELIVERY: Delivery = {
  attempts: 4,
  baseDelayMs: 500,
  timeoutMs: 5_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function signature(secret: string, body: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return hex(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(body))));
}

/** Where the log says it sent: the origin alone, as a webhook's path or query may be its token (Slack's is). */
const target = (url: string) => new URL(url).origin;

/** True once the webhook answered 2xx; false after the last failed try (never throws). */
export async function deliver(
  url: string,
  secret: string,
  event: { type: string },
  delivery: Delivery = DEFAULT_DELIVERY,
): Promise<boolean> {
  const body = JSON.stringify(event);
  const signed = await signature(secret, body);
  for (let attempt = 1; attempt <= delivery.attempts; attempt++) {
    let failure: string;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-tollgate-signature': signed,
          'x-tollgate-timestamp': String(Date.now()),
        },
        body,
        signal: AbortSignal.timeout(delivery.timeoutMs),
      });
      await response.body?.cancel();
      if (response.ok) return true;
      failure = `status ${response.status}`;
    } catch (error) {
      failure = describeError(error);
    }
    const last = attempt === delivery.attempts;
    console.warn(
      `budget alert webhook ${event.type} to ${target(url)} failed (${failure}), try ${attempt} of ${delivery.attempts}${last ? ', given up' : ''}`,
    );
    if (!last) await delivery.sleep(delivery.baseDelayMs * 2 ** (attempt - 1));
  }
  return false;
}
