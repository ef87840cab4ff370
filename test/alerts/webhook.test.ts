import { describe, expect, it } from 'vitest';
import { type Delivery, deliver, signature } from '../../src/alerts/webhook';
import { json, onUpstream, recorded } from '../helpers/upstream';

const HOOK = 'https://hooks.test/tollgate';
const event = { type: 'budget.alert', spendUsd: 1 };

/** Deliveries without waiting: the pauses asked for are kept to check the backoff. */
function instant(attempts = 3): { delivery: Delivery; slept: number[] } {
  const slept: number[] = [];
  const sleep = async (ms: number) => {
    slept.push(ms);
  };
  return { delivery: { attempts, baseDelayMs: 100, timeoutMs: 1000, sleep }, slept };
}

describe('budget alert webhook delivery', () => {
  it('signs the raw body with HMAC-SHA256 of the secret, in hex', async () => {
    // RFC 4231 test case 2.
    expect(await signature('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('retries a failed delivery with backoff, then gives up without throwing', async () => {
    onUpstream(HOOK, () => json({ error: 'down' }, 503));
    const { delivery, slept } = instant();
    expect(await deliver(HOOK, 's3cret', event, delivery)).toBe(false);
    expect(recorded).toHaveLength(3);
    expect(slept).toEqual([100, 200]);
  });

  it('retries after a network error and stops at the first 2xx', async () => {
    let calls = 0;
    onUpstream(HOOK, () => {
      calls++;
      if (calls === 1) throw new TypeError('Network connection lost');
      return new Response(null, { status: 204 });
    });
    const { delivery, slept } = instant();
    expect(await deliver(HOOK, 's3cret', event, delivery)).toBe(true);
    expect(recorded).toHaveLength(2);
    expect(slept).toEqual([100]);
    const sent = recorded[1]!;
    expect(sent.headers.get('x-tollgate-signature')).toBe(await signature('s3cret', JSON.stringify(event)));
    expect(Number(sent.headers.get('x-tollgate-timestamp'))).toBeGreaterThan(0);
  });

  it('gives up on a webhook that does not answer within the timeout', async () => {
    onUpstream(
      HOOK,
      (request) =>
        new Promise((_, reject) =>
          request.signal.addEventListener('abort', () => reject(request.signal.reason)),
        ),
    );
    const { delivery } = instant(2);
    expect(await deliver(HOOK, 's3cret', event, { ...delivery, timeoutMs: 20 })).toBe(false);
    expect(recorded).toHaveLength(2);
  });
});
