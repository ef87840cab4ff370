// Byte chunks (a body read piece by piece, base64 pieces decoded apart) as one array.

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
