import { describe, expect, it } from 'vitest';
import {
  crc32,
  decodeMessage,
  EventStreamDecoder,
  EventStreamError,
} from '../../src/providers/aws-event-stream';
import { encodeEvent, encodeFrame } from '../fixtures/bedrock/event-stream-encoder';

// Published reference frames for `{"foo": "bar"}`, without and with a content-type header.
const PLAIN = new Uint8Array([
  0, 0, 0, 30, 0, 0, 0, 0, 186, 242, 246, 138, 123, 34, 102, 111, 111, 34, 58, 32, 34, 98, 97, 114, 34, 125,
  174, 114, 88, 228,
]);
const WITH_HEADER = new Uint8Array([
  0, 0, 0, 62, 0, 0, 0, 32, 64, 93, 249, 70, 12, 99, 111, 110, 116, 101, 110, 116, 45, 116, 121, 112, 101, 7,
  0, 16, 97, 112, 112, 108, 105, 99, 97, 116, 105, 111, 110, 47, 106, 115, 111, 110, 123, 34, 102, 111, 111,
  34, 58, 32, 34, 98, 97, 114, 34, 125, 111, 162, 191, 59,
]);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });
});

describe('decodeMessage', () => {
  it('decodes the reference frames', () => {
    expect(text(decodeMessage(PLAIN).payload)).toBe('{"foo": "bar"}');
    const message = decodeMessage(WITH_HEADER);
    expect(message.headers).toEqual({ 'content-type': 'application/json' });
    expect(text(message.payload)).toBe('{"foo": "bar"}');
  });

  it('agrees with the test encoder byte for byte', () => {
    expect(encodeFrame({ 'content-type': 'application/json' }, '{"foo": "bar"}')).toEqual(WITH_HEADER);
  });

  it('decodes every header value type', () => {
    const headers = [
      [1, 0x61, 0], // a: true
      [1, 0x62, 1], // b: false
      [1, 0x63, 2, 0xff], // c: byte -1
      [1, 0x64, 3, 0x01, 0x00], // d: short 256
      [1, 0x65, 4, 0, 0, 0x01, 0x00], // e: int 256
      [1, 0x66, 5, 0, 0, 0, 0, 0, 0, 0, 7], // f: long 7
      [1, 0x67, 6, 0, 2, 9, 8], // g: bytes
      [1, 0x68, 7, 0, 2, 0x68, 0x69], // h: string "hi"
      [1, 0x69, 8, 0, 0, 0, 0, 0, 0, 0x03, 0xe8], // i: timestamp 1000 ms
      [1, 0x6a, 9, ...new Array(16).fill(1)], // j: uuid
    ].flat();
    const total = 16 + headers.length;
    const frame = new Uint8Array(total);
    const view = new DataView(frame.buffer);
    view.setUint32(0, total);
    view.setUint32(4, headers.length);
    view.setUint32(8, crc32(frame, 0, 8));
    frame.set(headers, 12);
    view.setUint32(total - 4, crc32(frame, 0, total - 4));
    const decoded = decodeMessage(frame).headers;
    expect(decoded).toMatchObject({ a: true, b: false, c: -1, d: 256, e: 256, f: 7n, h: 'hi' });
    expect(decoded.g).toEqual(new Uint8Array([9, 8]));
    expect(decoded.i).toEqual(new Date(1000));
    expect((decoded.j as Uint8Array).length).toBe(16);
  });

  it('rejects a corrupted prelude and a corrupted message', () => {
    const badPrelude = WITH_HEADER.slice();
    badPrelude[9] = badPrelude[9]! ^ 1;
    expect(() => decodeMessage(badPrelude)).toThrow(/prelude checksum/);
    const badPayload = WITH_HEADER.slice();
    badPayload[50] = badPayload[50]! ^ 1;
    expect(() => decodeMessage(badPayload)).toThrow(/message checksum/);
  });
});

describe('EventStreamDecoder', () => {
  const frames = [
    encodeEvent({ event: 'messageStart', payload: { role: 'assistant' } }),
    encodeEvent({
      event: 'contentBlockDelta',
      payload: { contentBlockIndex: 0, delta: { text: 'héllo ✓' } },
    }),
    encodeEvent({ event: 'messageStop', payload: { stopReason: 'end_turn' } }),
  ];
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((at, f) => {
    all.set(f, at);
    return at + f.length;
  }, 0);

  it('yields the same messages however the bytes are split', () => {
    for (const size of [1, 2, 3, 5, 7, 11, 13, 64, all.length]) {
      const decoder = new EventStreamDecoder();
      const types: unknown[] = [];
      for (let at = 0; at < all.length; at += size) {
        for (const m of decoder.push(all.subarray(at, at + size))) types.push(m.headers[':event-type']);
      }
      expect(types).toEqual(['messageStart', 'contentBlockDelta', 'messageStop']);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('keeps an incomplete frame pending', () => {
    const decoder = new EventStreamDecoder();
    expect(decoder.push(all.subarray(0, frames[0]!.length + 5))).toHaveLength(1);
    expect(decoder.pendingBytes).toBe(5);
  });

  it('fails on a corrupted prelude before waiting for its claimed length', () => {
    const bad = frames[0]!.slice();
    bad[0] = 0x7f; // claims ~2 GiB
    expect(() => new EventStreamDecoder().push(bad.subarray(0, 12))).toThrow(EventStreamError);
  });

  it('fails on a corrupted payload', () => {
    const bad = frames[1]!.slice();
    bad[bad.length - 10] = bad.at(-10)! ^ 0x20;
    expect(() => new EventStreamDecoder().push(bad)).toThrow(/message checksum/);
  });
});
