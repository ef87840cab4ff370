// A stored response's JSON cut into parts when it outgrows one D1 row: pieces within the size, never
// a surrogate pair split, and the row's columns used whenever the JSON fits them.
import { describe, expect, it } from 'vitest';
import { PART_CHARS, rowText, splitText } from '../../src/responses-store/parts';

describe('splitText', () => {
  it('cuts into pieces of at most the size that join back to the text', () => {
    const text = 'abcdefghij'.repeat(7);
    const pieces = splitText(text, 16);
    expect(pieces.every((piece) => piece.length <= 16)).toBe(true);
    expect(pieces.join('')).toBe(text);
    expect(pieces).toHaveLength(5);
  });

  it('never cuts between the halves of a surrogate pair', () => {
    // '😀' is two UTF-16 units: a cut at 3 would fall inside the second one.
    const text = 'ab😀😀cd';
    const pieces = splitText(text, 3);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) {
      const first = piece.charCodeAt(0);
      const last = piece.charCodeAt(piece.length - 1);
      expect(first >= 0xdc00 && first <= 0xdfff, piece).toBe(false);
      expect(last >= 0xd800 && last <= 0xdbff, piece).toBe(false);
    }
  });
});

describe('rowText', () => {
  it('keeps JSON that fits in the columns, and puts larger JSON in parts as [input, response]', () => {
    expect(rowText('[]', '{"id":"r"}')).toEqual({ input: '[]', response: '{"id":"r"}', parts: [] });
    const input = JSON.stringify([{ role: 'user', content: 'x'.repeat(PART_CHARS) }]);
    const text = rowText(input, '{"id":"r","output":[]}');
    expect(text.input).toBe('');
    expect(text.response).toBe('');
    expect(text.parts.length).toBeGreaterThan(1);
    expect(JSON.parse(text.parts.join(''))).toEqual([JSON.parse(input), { id: 'r', output: [] }]);
  });
});
