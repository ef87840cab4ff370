import { describe, expect, it } from 'vitest';
import { jsonChunks, MAX_CHUNK_CHARS } from '../../src/logs/json-chunks';

const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;

describe('jsonChunks', () => {
  it('keeps every text, in order, in valid JSON arrays', () => {
    const texts = Array.from({ length: 25 }, (_, i) => JSON.stringify({ i, s: 'x'.repeat(i * 10) }));
    const chunks = jsonChunks(texts, 400);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flatMap(({ json }) => JSON.parse(json))).toEqual(texts.map((t) => JSON.parse(t)));
    expect(chunks.reduce((sum, { n }) => sum + n, 0)).toBe(25);
    for (const { json } of chunks.slice(0, -1)) expect(json.length).toBeLessThanOrEqual(400);
  });

  it('stays under 2 MB of UTF-8 even when every character takes three bytes', () => {
    // Two 32 K-character bodies of CJK text: the worst a log row carries.
    const body = '漢字かな'.repeat(8192);
    const texts = Array.from({ length: 100 }, (_, i) => JSON.stringify({ id: `r${i}`, body, again: body }));
    const chunks = jsonChunks(texts);
    expect(chunks.length).toBeGreaterThan(1);
    for (const { json } of chunks) {
      expect(json.length).toBeLessThanOrEqual(MAX_CHUNK_CHARS);
      expect(utf8Bytes(json)).toBeLessThan(2 * 1024 * 1024);
    }
  });

  it('puts a text larger than the bound in a chunk of its own', () => {
    const big = JSON.stringify('y'.repeat(50));
    const chunks = jsonChunks(['1', big, '2'], 20);
    expect(chunks.map(({ n }) => n)).toEqual([1, 1, 1]);
    expect(chunks[1]!.json).toBe(`[${big}]`);
  });

  it('has nothing to say about no texts', () => {
    expect(jsonChunks([])).toEqual([]);
  });
});
