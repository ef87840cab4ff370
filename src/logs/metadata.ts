// The `x-tollgate-metadata` header as the logs store it: a JSON object of at most 8 string pairs.
// Strict where routing (src/routing/conditions.ts) is lenient: a malformed header is the client's
// bug and is answered with a 400 naming the header, rather than silently logged as nothing.
import { invalidRequest } from '../errors';

export const METADATA_HEADER = 'x-tollgate-metadata';
const MAX_FIELDS = 8;
const MAX_NAME = 64;
const MAX_VALUE = 512;

export type Metadata = Record<string, string>;

export type MetadataResult = { ok: true; value: Metadata | null } | { ok: false; reason: string };

/** Pure: the header's text in, the pairs (null when absent) or why they are refused out. */
export function parseMetadata(header: string | null | undefined): MetadataResult {
  if (header === null || header === undefined || header.trim() === '') return { ok: true, value: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    return { ok: false, reason: 'it is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: 'it must be a JSON object of string values' };
  const entries = Object.entries(parsed);
  if (entries.length > MAX_FIELDS)
    return { ok: false, reason: `it has ${entries.length} fields, at most ${MAX_FIELDS} are allowed` };
  const value: Metadata = {};
  for (const [name, field] of entries) {
    if (name.length === 0 || name.length > MAX_NAME)
      return { ok: false, reason: `field names must be 1 to ${MAX_NAME} characters` };
    // Dropped without a word by an ordinary object (and by the row's own JSON): refused instead.
    if (name === '__proto__') return { ok: false, reason: "the field name '__proto__' is reserved" };
    if (typeof field !== 'string') return { ok: false, reason: `field '${name}' must be a string` };
    if (field.length > MAX_VALUE)
      return { ok: false, reason: `field '${name}' is longer than ${MAX_VALUE} characters` };
    value[name] = field;
  }
  return { ok: true, value: entries.length ? value : null };
}

/** The header's pairs, or the 400 the client gets. */
export function metadataOrThrow(header: string | null | undefined): Metadata | null {
  const result = parseMetadata(header);
  if (result.ok) return result.value;
  throw invalidRequest(
    `Invalid '${METADATA_HEADER}' header: ${result.reason} (e.g. {"user":"u1","feature":"search"}, at most ${MAX_FIELDS} string pairs).`,
    METADATA_HEADER,
    'invalid_metadata',
  );
}
