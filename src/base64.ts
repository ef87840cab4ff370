// Base64 and unpadded base64url of bytes (or of text, as UTF-8). Built in slices: a spread of a
// long array's bytes into String.fromCharCode would overflow the call stack.
import { concatBytes } from './bytes';

const SLICE = 0x8000;

export function toBase64(data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let binary = '';
  for (let at = 0; at < bytes.length; at += SLICE)
    binary += String.fromCharCode(...bytes.subarray(at, at + SLICE));
  return btoa(binary);
}

export function toBase64Url(data: string | Uint8Array): string {
  return toBase64(data).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The bytes of base64url (or base64) text; throws on text that is neither. */
export function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Base64 pieces of one byte string (an image streamed in deltas, each delta's bytes encoded apart)
 * as one base64 text: joined as text when every piece but the last is whole groups of four without
 * padding (either reading gives the same bytes), else through each piece's bytes — or, should a
 * piece not decode alone (text cut anywhere), as text. Throws when neither reading is base64.
 */
export function joinBase64(pieces: readonly string[]): string {
  const whole = pieces.every(
    (piece, i) => i === pieces.length - 1 || (piece.length % 4 === 0 && !piece.endsWith('=')),
  );
  if (whole) return pieces.join('');
  let parts: Uint8Array[];
  try {
    parts = pieces.map(fromBase64Url);
  } catch {
    const joined = pieces.join('');
    fromBase64Url(joined);
    return joined;
  }
  return toBase64(concatBytes(parts));
}
