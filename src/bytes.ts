// Byte chunks (a body read piece by piece, base64 pieces decoded apart) as one array, and bytes as
// hex (digests, signatures, random ids).

/** `parts` joined in order; `size`, when the caller has counted it already, saves a pass. */
export function concatBytes(parts: readonly Uint8Array[], size?: number): Uint8Array {
  const bytes = new Uint8Array(size ?? parts.reduce((n, part) => n + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Lowercase hex of `bytes`; a table, as a key's digest is hexed on every request. */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number];
  return out;
}
