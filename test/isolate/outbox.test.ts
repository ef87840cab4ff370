// The generic isolate outbox (src/isolate/outbox.ts) for sends that must not repeat (settles):
// a failed or vanished call is given up on, never sent again. The resending mode is covered
// through the log outbox (test/logs/outbox.test.ts).
import { describe, expect, it } from 'vitest';
import { MAX_FULL_CALLS, Outbox, type Send } from '../../src/isolate/outbox';

const once = (overrides: { takeoverMs?: number; lingerMs?: number } = {}) =>
  new Outbox<string>({ maxItems: 10, lingerMs: 0, takeoverMs: 10_000, resend: false, ...overrides });

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an outbox that never sends twice', () => {
  it('batches the items that queue while a call is in flight into the next call', async () => {
    const outbox = once();
    const calls: string[][] = [];
    let open: () => void = () => {};
    const send: Send<string> = async (items) => {
      calls.push(items);
      if (calls.length === 1) await new Promise<void>((resolve) => (open = resolve));
      return true;
    };
    const first = outbox.post('a', send);
    const rest = ['b', 'c', 'd'].map((item) => outbox.post(item, send));
    expect(outbox.queued).toBe(3);
    open();
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([['a'], ['b', 'c', 'd']]);
    expect(outbox.idle).toBe(true);
  });

  it('gives up on a failed batch instead of sending its items again', async () => {
    const outbox = once();
    const calls: string[][] = [];
    const send: Send<string> = async (items) => {
      calls.push(items);
      await tick(5);
      return false;
    };
    await Promise.all(['a', 'b', 'c'].map((item) => outbox.post(item, send)));
    expect(calls.flat().sort()).toEqual(['a', 'b', 'c']); // each once
  });

  it('gives up on a call that never reports back, and sends what was still queued behind it once', async () => {
    const outbox = once({ takeoverMs: 40 });
    const sent: string[][] = [];
    let stuckCalls = 0;
    const stuck: Send<string> = () => {
      stuckCalls++;
      return new Promise<boolean>(() => {}); // its request vanished mid-send
    };
    const working: Send<string> = async (items) => {
      sent.push(items);
      return true;
    };
    void outbox.post('lost', stuck);
    const started = Date.now();
    await Promise.all([outbox.post('x', working), outbox.post('y', working)]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sent.flat().sort()).toEqual(['x', 'y']); // never 'lost', and x and y once each
    await tick(80); // past the lost item's own give-up time
    expect(stuckCalls).toBe(1); // 'lost' was not sent again
    expect(outbox.idle).toBe(true); // a call given up on does not keep the outbox busy
  });
});

describe('an outbox under more items than a linger holds', () => {
  it('sends a batch that fills while its sender lingers at once, from the item that filled it', async () => {
    const outbox = once({ lingerMs: 1_000 });
    const calls: string[][] = [];
    const send: Send<string> = async (items) => {
      calls.push(items);
      return true;
    };
    const items = Array.from({ length: 25 }, (_, i) => `i${i}`);
    const posted = items.map((item) => outbox.post(item, send));
    await tick(100);
    // Without the exception nothing would have left before the second-long linger ends.
    expect(calls).toEqual([items.slice(0, 10), items.slice(10, 20)]);
    expect(outbox.queued).toBe(5); // the rest keep the first sender company until its linger ends
    await Promise.all(posted);
    expect(calls).toEqual([items.slice(0, 10), items.slice(10, 20), items.slice(20)]);
  });

  it('keeps up with a stream of items far past maxItems a linger, each sent once', async () => {
    const outbox = once({ lingerMs: 50 });
    const sent: string[] = [];
    const send: Send<string> = async (items) => {
      await tick(1);
      sent.push(...items);
      return true;
    };
    const items = Array.from({ length: 2_000 }, (_, i) => `i${i}`);
    const started = Date.now();
    await Promise.all(items.map((item) => outbox.post(item, send)));
    // 200 batches: at one per linger that would take 10 s.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sent.sort()).toEqual([...items].sort());
    expect(outbox.idle).toBe(true);
  });
});

describe('full batches on their way', () => {
  it(`are at most MAX_FULL_CALLS at once, and keep the outbox from being idle`, async () => {
    const outbox = once({ lingerMs: 1_000 });
    const calls: string[][] = [];
    let open: () => void = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    const send: Send<string> = async (items) => {
      calls.push(items);
      await opened; // a slow target: nothing comes back until the test says so
      return true;
    };
    const items = Array.from({ length: 10 * (MAX_FULL_CALLS + 2) }, (_, i) => `i${i}`);
    const posted = items.map((item) => outbox.post(item, send));
    await tick(50);
    expect(calls).toHaveLength(MAX_FULL_CALLS); // the others wait their turn
    expect(outbox.idle).toBe(false);
    open();
    await Promise.all(posted);
    expect(calls.flat().sort()).toEqual([...items].sort()); // each once
    expect(outbox.idle).toBe(true);
  });
});

describe('an outbox whose sender keeps trying', () => {
  const resending = () => new Outbox<string>({ maxItems: 10, lingerMs: 0, takeoverMs: 40, resend: true });

  it('is not taken over while its sender shows life, nor are its items resent or sent alone', async () => {
    const outbox = resending();
    const calls: string[][] = [];
    // Three tries, 30 ms apart, the whole call lasting well past takeoverMs (40 ms).
    const slow: Send<string> = async (items, alive) => {
      calls.push(items);
      for (let attempt = 0; attempt < 4; attempt++) {
        await tick(30);
        alive();
      }
      return true;
    };
    const first = outbox.post('a', slow);
    const behind = ['b', 'c'].map((item) => outbox.post(item, slow));
    await Promise.all([first, ...behind]);
    // 'a' alone, then 'b' and 'c' together once the first call ended: nothing twice, nothing alone early.
    expect(calls).toEqual([['a'], ['b', 'c']]);
  });

  it('resends the items of a sender that went silent, each by its own owner', async () => {
    const outbox = resending();
    const sent: string[][] = [];
    const silent: Send<string> = () => new Promise<boolean>(() => {});
    const working: Send<string> = async (items) => {
      sent.push(items);
      return true;
    };
    const lost = outbox.post('lost', silent);
    await tick(1);
    // The owner of 'lost' resends it with its own send: here the silent one again, so it hangs; a
    // new item still goes out, once nobody has shown life for takeoverMs.
    await outbox.post('next', working);
    expect(sent).toEqual([['next']]);
    void lost;
  });
});
