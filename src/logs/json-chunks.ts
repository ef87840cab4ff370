// Log rows travel as JSON arrays held in one SQLite value (a D1 parameter unpacked by json_each, a
// Durable Object buffer entry), and both stores refuse a value over 2 MB. Chunks are bounded in
// UTF-16 units, which JSON.stringify emits as at most 3 bytes of UTF-8 each (non-ASCII is kept as
// is, lone surrogates are escaped), so a chunk of MAX_CHUNK_CHARS is at most 1.8 MB.
export const MAX_CHUNK_CHARS = 600_000;

export interface JsonChunk {
  /** A JSON array of the texts, in order. */
  json: string;
  /** How many texts it holds. */
  n: number;
}

/** The texts (each one JSON value) as consecutive arrays, each within the bound unless one text alone exceeds it. */
export function jsonChunks(texts: readonly string[], maxChars = MAX_CHUNK_CHARS): JsonChunk[] {
  const chunks: JsonChunk[] = [];
  let group: string[] = [];
  let chars = 2;
  for (const text of texts) {
    if (group.length > 0 && chars + text.length + 1 > maxChars) {
      chunks.push({ json: `[${group.join(',')}]`, n: group.length });
      group = [];
      chars = 2;
    }
    group.push(text);
    chars += text.length + 1;
  }
  if (group.length > 0) chunks.push({ json: `[${group.join(',')}]`, n: group.length });
  return chunks;
}
