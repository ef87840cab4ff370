// The pixel size of an inline image (a base64 data: URL), read from its header alone: PNG, GIF,
// WebP and JPEG, the formats the providers take. Only the few bytes each format needs are decoded
// (a JPEG's size may sit after tens of KB of metadata, so its segments are walked, not decoded),
// so a 20 MB image costs what a thumbnail does.
import { parseDataUrl } from '../providers/data-url';

export interface ImageSize {
  width: number;
  height: number;
}

/** The size of the image a data: URL holds; undefined for a remote URL or anything unreadable. */
export function imageSize(url: string): ImageSize | undefined {
  const inline = parseDataUrl(url);
  if (!inline) return undefined;
  const bytes = new Base64Bytes(inline.data);
  try {
    return pngSize(bytes) ?? gifSize(bytes) ?? webpSize(bytes) ?? jpegSize(bytes);
  } catch {
    return undefined; // not base64, or cut short: unknown
  }
}

/** Random access to the bytes of a base64 string, decoding only the groups asked for. */
class Base64Bytes {
  readonly length: number;
  constructor(private readonly data: string) {
    this.length = Math.floor((data.length * 3) / 4);
  }

  read(offset: number, count: number): Uint8Array {
    const first = Math.floor(offset / 3);
    const text = atob(this.data.slice(first * 4, Math.ceil((offset + count) / 3) * 4));
    const skip = offset - first * 3;
    if (text.length < skip + count) throw new RangeError('past the end of the image');
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = text.charCodeAt(skip + i);
    return out;
  }
}

const sized = (width: number, height: number): ImageSize | undefined =>
  width > 0 && height > 0 ? { width, height } : undefined;
const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const u16be = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u16le = (b: Uint8Array, at: number) => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number) => u16le(b, at) | ((b[at + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, at: number) => u16be(b, at) * 65536 + u16be(b, at + 2);

/** The signature, then the IHDR chunk: width and height as 32-bit big-endian. */
function pngSize(bytes: Base64Bytes): ImageSize | undefined {
  const head = bytes.read(0, 8);
  if (ascii(head.subarray(1, 4)) !== 'PNG' || head[0] !== 0x89) return undefined;
  const ihdr = bytes.read(16, 8);
  return sized(u32be(ihdr, 0), u32be(ihdr, 4));
}

function gifSize(bytes: Base64Bytes): ImageSize | undefined {
  const head = bytes.read(0, 10);
  if (ascii(head.subarray(0, 3)) !== 'GIF') return undefined;
  return sized(u16le(head, 6), u16le(head, 8));
}

/** RIFF/WEBP, then the first chunk: lossy (VP8), lossless (VP8L) or extended (VP8X). */
function webpSize(bytes: Base64Bytes): ImageSize | undefined {
  const head = bytes.read(0, 30);
  if (ascii(head.subarray(0, 4)) !== 'RIFF' || ascii(head.subarray(8, 12)) !== 'WEBP') return undefined;
  const chunk = ascii(head.subarray(12, 16));
  if (chunk === 'VP8 ') return sized(u16le(head, 26) & 0x3fff, u16le(head, 28) & 0x3fff);
  if (chunk === 'VP8L') {
    const bits = (head[21] ?? 0) | ((head[22] ?? 0) << 8) | ((head[23] ?? 0) << 16) | ((head[24] ?? 0) << 24);
    return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') return sized(u24le(head, 24) + 1, u24le(head, 27) + 1);
  return undefined;
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic): they carry the size. */
const START_OF_FRAME = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);
/** More segments than any real JPEG has before its frame: a bound on a crafted one. */
const MAX_SEGMENTS = 512;

/** Walks the segments (marker, then a 16-bit length) to the first start of frame. */
function jpegSize(bytes: Base64Bytes): ImageSize | undefined {
  const soi = bytes.read(0, 2);
  if (soi[0] !== 0xff || soi[1] !== 0xd8) return undefined;
  let at = 2;
  for (let segment = 0; segment < MAX_SEGMENTS && at + 4 <= bytes.length; segment++) {
    const head = bytes.read(at, 4);
    if (head[0] !== 0xff) return undefined;
    const marker = head[1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (START_OF_FRAME.has(marker)) {
      const frame = bytes.read(at + 5, 4);
      return sized(u16be(frame, 2), u16be(frame, 0));
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end, or image data before any frame
    at += 2 + u16be(head, 2);
  }
  return undefined;
}
