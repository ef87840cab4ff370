import { describe, expect, it } from 'vitest';
import { concatBytes } from '../src/bytes';

describe('concatBytes', () => {
  it('joins the parts in order', () => {
    const joined = concatBytes([Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3)]);
    expect([...joined]).toEqual([1, 2, 3]);
  });

  it('takes a size the caller counted', () => {
    expect([...concatBytes([Uint8Array.of(4), Uint8Array.of(5, 6)], 3)]).toEqual([4, 5, 6]);
  });

  it('joins views at their own offsets, not their buffers', () => {
    const buffer = Uint8Array.of(9, 7, 8, 9);
    expect([...concatBytes([buffer.subarray(1, 3), buffer.subarray(0, 1)])]).toEqual([7, 8, 9]);
  });

  it('is empty for no parts', () => {
    expect(concatBytes([]).byteLength).toBe(0);
  });
});
