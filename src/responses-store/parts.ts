// A stored response too large for one D1 row (migration 0013). D1 refuses a string or row over its
// size limit (2 MB; 1 MB in older documentation), and one turn easily outgrows it: an image sent as
// a data URL, a long document pasted in, a generated image in the output. Such a row keeps its
// columns empty and its JSON — `[input, response]` — in numbered parts of at most PART_CHARS
// characters each, written in the same batch (one transaction) as the row and read back with it.
import { parsedJson } from '../json-record';

/**
 * The most characters one part (or a row's two JSON columns together) holds: 900 KB of UTF-8 at
 * worst (three bytes a UTF-16 unit), under either documented limit.
 */
export const PART_CHARS = 300_000;

/** A row as written: its two columns, and its parts when the JSON went there instead. */
export interface RowText {
  input: string;
  response: string;
  parts: string[];
}

/** A row's JSON as stored: in its columns when it fits, else in parts. */
export function rowText(input: string, response: string): RowText {
  if (input.length + response.length <= PART_CHARS) return { input, response, parts: [] };
  return { input: '', response: '', parts: splitText(`[${input},${response}]`, PART_CHARS) };
}

/**
 * `text` cut into pieces of at most `size` characters, never between the two halves of a surrogate
 * pair (a lone half would be stored as U+FFFD, and the JSON lose a character).
 */
export function splitText(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/** The write of a row's parts: its old ones (a row rewritten under its id) go first. */
export function partStatements(db: D1Database, id: string, parts: readonly string[]): D1PreparedStatement[] {
  return [
    db.prepare('DELETE FROM stored_response_parts WHERE response_id = ?').bind(id),
    ...parts.map((data, seq) =>
      db
        .prepare('INSERT INTO stored_response_parts (response_id, seq, data) VALUES (?, ?, ?)')
        .bind(id, seq, data),
    ),
  ];
}

/** A row's two JSON values as parsed (either may be anything: a schema checks them), or none. */
export type RowJson = { input: unknown; response: unknown } | undefined;

/** A stored row as read: its columns, and how many parts hold its JSON instead (0: none). */
export interface ReadRow {
  id: string;
  input: string;
  response: string;
  parts: number;
}

/**
 * The JSON of every row in `rows`, by id: from its columns, or reassembled from its parts (one query
 * for all the rows that have them). A row whose parts are not all there reads as none.
 */
export async function rowsJson(db: D1Database, rows: readonly ReadRow[]): Promise<Map<string, RowJson>> {
  const json = new Map<string, RowJson>();
  const parted = rows.filter((row) => row.parts > 0);
  const pieces = new Map<string, string[]>();
  if (parted.length > 0) {
    const { results } = await db
      .prepare(
        `SELECT response_id, data FROM stored_response_parts
          WHERE response_id IN (SELECT value FROM json_each(?)) ORDER BY response_id, seq`,
      )
      .bind(JSON.stringify(parted.map((row) => row.id)))
      .all<{ response_id: string; data: string }>();
    for (const part of results) {
      const list = pieces.get(part.response_id);
      if (list) list.push(part.data);
      else pieces.set(part.response_id, [part.data]);
    }
  }
  for (const row of rows) {
    if (row.parts === 0) {
      json.set(row.id, { input: parsedJson(row.input), response: parsedJson(row.response) });
      continue;
    }
    const list = pieces.get(row.id);
    const both = list?.length === row.parts ? parsedJson(list.join('')) : undefined;
    json.set(row.id, Array.isArray(both) ? { input: both[0], response: both[1] } : undefined);
  }
  return json;
}
