import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDLE, IdleReader } from '../../src/openai/idle-reader';
import type { ChunkSource } from '../../src/openai/stream-relay';

const bytes = new Uint8Array([1]);

/** A source whose reads answer at once, or after `delayMs`; never ends. */
function source(delayMs = 0): ChunkSource & { reads: number } {
  const state = {
    reads: 0,
    read: async () => {
      state.reads++;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { done: false as const, value: bytes };
    },
    cancel: async () => {},
  };
  return state;
}

afterEach(() => vi.restoreAllMocks());

describe('IdleReader', () => {
  it('serves many reads from one timer', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const reader = new IdleReader(source(), 1_000);
    for (let i = 0; i < 200; i++) {
      expect(await reader.read()).toEqual({ done: false, value: bytes });
      reader.restart();
    }
    reader.stop();
    expect(timers).toHaveBeenCalledTimes(1);
  });

  it('answers IDLE when a read waits past the deadline', async () => {
    const reader = new IdleReader(source(10_000), 50);
    const started = Date.now();
    expect(await reader.read()).toBe(IDLE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    reader.stop();
  });

  it('waits for a deadline that moved on while its timer ran, instead of answering IDLE early', async () => {
    const reader = new IdleReader(source(120), 100);
    // The first read arms the timer for ~100 ms; an event moves the deadline on before it fires.
    const first = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 60));
    reader.restart(); // now due ~160 ms after the start; the read answers at ~120 ms
    expect(await first).toEqual({ done: false, value: bytes });
    reader.stop();
  });

  it('does not count time when no read waits (the client was slow to take a chunk)', async () => {
    const reader = new IdleReader(source(), 50);
    expect(await reader.read()).not.toBe(IDLE);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the timer fires with no read waiting
    reader.restart();
    expect(await reader.read()).not.toBe(IDLE);
    reader.stop();
  });
});
