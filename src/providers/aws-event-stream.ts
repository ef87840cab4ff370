// Decoder for AWS's binary event-stream framing (application/vnd.amazon.eventstream), used by
// Bedrock ConverseStream. Each message: total length (u32), headers length (u32), CRC32 of those
// eight bytes, headers, payload, CRC32 of everything before it; all big-endian. Both CRCs are
// checked, so a corrupted or misaligned stream fails loudly instead of yielding garbage JSON.

export type HeaderValue = boolean | number | bigint | string | Uint8Array | Date;

export interface EventStreamMessage {
  headers: Record<string, HeaderValue>;
  payload: Uint8Array;
}

export class EventStreamError extends Error {
  override name = 'EventStreamError';
}

const PRELUDE_BYTES = 12;
const OVERHEAD_BYTES = 16;
/** Far above any real Bedrock event; guards against a bogus length making us buffer forever. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, the one gzip uses), as the event-stream format specifies. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeHeaders(bytes: Uint8Array, view: DataView, start: number, end: number) {
  const headers: Record<string, HeaderValue> = {};
  let at = start;
  const need = (count: number) => {
    if (at + count > end) throw new EventStreamError('event-stream header runs past its section');
  };
  while (at < end) {
    need(1);
    const nameLength = bytes[at++]!;
    need(nameLength + 1);
    const name = utf8.decode(bytes.subarray(at, at + nameLength));
    at += nameLength;
    const type = bytes[at++]!;
    let value: HeaderValue;
    switch (type) {
      case 0:
        value = true;
        break;
      case 1:
        value = false;
        break;
      case 2:
        need(1);
        value = view.getInt8(at);
        at += 1;
        break;
      case 3:
        need(2);
        value = view.getInt16(at);
        at += 2;
        break;
      case 4:
        need(4);
        value = view.getInt32(at);
        at += 4;
        break;
      case 5:
        need(8);
        value = view.getBigInt64(at);
        at += 8;
        break;
      case 6:
      case 7: {
        need(2);
        const length = view.getUint16(at);
        at += 2;
        need(length);
        const raw = bytes.slice(at, at + length);
        value = type === 7 ? utf8.decode(raw) : raw;
        at += length;
        break;
      }
      case 8:
        need(8);
        value = new Date(Number(view.getBigInt64(at)));
        at += 8;
        break;
      case 9:
        need(16);
        value = bytes.slice(at, at + 16);
        at += 16;
        break;
      default:
        throw new EventStreamError(`unknown event-stream header type ${type}`);
    }
    headers[name] = value;
  }
  return headers;
}

/** Decodes one complete message from `bytes` (exactly one frame, CRCs included). */
export function decodeMessage(bytes: Uint8Array): EventStreamMessage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < OVERHEAD_BYTES) throw new EventStreamError('event-stream message too short');
  const total = view.getUint32(0);
  const headersLength = view.getUint32(4);
  if (crc32(bytes, 0, 8) !== view.getUint32(8)) {
    throw new EventStreamError('event-stream prelude checksum mismatch');
  }
  if (total !== bytes.length || headersLength > total - OVERHEAD_BYTES) {
    throw new EventStreamError('event-stream message length is inconsistent');
  }
  if (crc32(bytes, 0, total - 4) !== view.getUint32(total - 4)) {
    throw new EventStreamError('event-stream message checksum mismatch');
  }
  const headersEnd = PRELUDE_BYTES + headersLength;
  return {
    headers: decodeHeaders(bytes, view, PRELUDE_BYTES, headersEnd),
    payload: bytes.slice(headersEnd, total - 4),
  };
}

/**
 * Incremental decoder: feed it the body's chunks as they arrive (split anywhere, even inside a
 * prelude) and it returns every message completed so far.
 */
export class EventStreamDecoder {
  private buffer = new Uint8Array(0);

  /** Bytes received that do not yet form a complete message. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): EventStreamMessage[] {
    if (chunk.length > 0) {
      const joined = new Uint8Array(this.buffer.length + chunk.length);
      joined.set(this.buffer);
      joined.set(chunk, this.buffer.length);
      this.buffer = joined;
    }
    const messages: EventStreamMessage[] = [];
    let at = 0;
    while (this.buffer.length - at >= PRELUDE_BYTES) {
      const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + at, PRELUDE_BYTES);
      const total = view.getUint32(0);
      // Check the prelude before trusting its length, so garbage cannot make us wait for 4 GiB.
      if (crc32(this.buffer, at, at + 8) !== view.getUint32(8)) {
        throw new EventStreamError('event-stream prelude checksum mismatch');
      }
      if (total < OVERHEAD_BYTES || total > MAX_MESSAGE_BYTES) {
        throw new EventStreamError(`event-stream message length ${total} is out of range`);
      }
      if (this.buffer.length - at < total) break;
      messages.push(decodeMessage(this.buffer.subarray(at, at + total)));
      at += total;
    }
    if (at > 0) this.buffer = this.buffer.slice(at);
    return messages;
  }
}
