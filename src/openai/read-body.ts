// Reads a JSON request body under a size cap and validates it, turning every failure into a 400/413.
import type * as z from 'zod';
import { concatBytes } from '../bytes';
import { invalidRequest, payloadTooLarge } from '../errors';
import { told, toldWords } from './issue-told';

/** Strict: invalid UTF-8 throws. One for every request (decode() without `stream` keeps no state). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads at most `limit` bytes; a larger body is refused without being buffered whole. An empty
 * body is refused, unless `empty` says what it stands for (an endpoint whose fields are optional).
 */
export async function readJsonBody(request: Request, limit: number, empty?: object): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? '');
  if (declared > limit) throw payloadTooLarge(limit);
  const nothing = () => {
    if (empty) return empty;
    throw invalidRequest('The request body is empty; a JSON object is required.');
  };
  if (!request.body) return nothing();
  const bytes =
    declared > 0 ? new Uint8Array(await request.arrayBuffer()) : await readCapped(request.body, limit);
  // A lying content-length cannot smuggle more than the limit: the runtime reads exactly that many.
  if (bytes.byteLength > limit) throw payloadTooLarge(limit);

  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw invalidRequest('The request body is not valid UTF-8.');
  }
  if (text.trim() === '') return nothing();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest(
      'We could not parse the JSON body of your request: it must be a JSON payload.',
      null,
      'invalid_json',
    );
  }
  if (nestedDeeperThan(value, MAX_DEPTH)) {
    throw invalidRequest(`The JSON body is nested more than ${MAX_DEPTH} levels deep.`, null, 'invalid_json');
  }
  return value;
}

/**
 * No real request nests this deep, and code that walks a body recursively (cache keys, guardrails,
 * JSON.stringify towards the provider) overflows the stack on a 10,000-level body — a 500 found by
 * test/fuzz. JSON.parse itself copes, so the limit is checked right after it, once for everyone.
 */
const MAX_DEPTH = 100;

/** Iterative, so that checking a hostile body cannot overflow the stack itself. */
function nestedDeeperThan(root: unknown, limit: number): boolean {
  const pending: [object, number][] = root !== null && typeof root === 'object' ? [[root, 1]] : [];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, depth] = next;
    if (depth > limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * How much of a refused chunked body is still read, and dropped, before its 413: a body cut off
 * unread breaks its connection — under `wrangler dev` the next request on it was answered a
 * plain-text 503, and a client still sending may see a reset instead of the 413. An upload a client
 * made by mistake (a few images, a document) fits; past this the rest is cancelled.
 */
export const DRAINED_BYTES = 64 * 1024 * 1024;

/** A body of unknown length (chunked), read up to `limit` bytes and refused beyond, never buffered whole. */
async function readCapped(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await drain(reader, DRAINED_BYTES - size);
      throw payloadTooLarge(limit);
    }
    chunks.push(value);
  }
  return concatBytes(chunks, size);
}

/** Reads and drops what is left of a body, up to `budget` bytes; a body longer still is cancelled. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  for (let left = budget; left > 0; ) {
    const { done, value } = await reader.read();
    if (done) return;
    left -= value.byteLength;
  }
  await reader.cancel();
}

/** A config's first 20 problems, each `path: message` (a config is fixed in one round, not twenty). */
export function issueLines(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.slice(0, 20).map((issue) => {
    const { path, message } = located(issue);
    return `${paramPath(path) ?? '(root)'}: ${message}`;
  });
}

/** The param of a problem (of a config's first), where located() puts it. */
export function issueParam(issue: z.core.$ZodIssue | undefined): string | null {
  return issue ? paramPath(located(issue).path) : null;
}

/**
 * An issue where a client looks for it, in words that help: an unknown field at its own path (zod
 * puts it at its parent's), a refused record key with its own schema's message (zod's is only
 * "Invalid key in record").
 */
function located(issue: z.core.$ZodIssue): { path: readonly PropertyKey[]; message: string } {
  switch (issue.code) {
    case 'unrecognized_keys':
      return { path: [...issue.path, ...issue.keys.slice(0, 1)], message: issue.message };
    case 'invalid_key':
      return { path: issue.path, message: issue.issues.map((inner) => inner.message).join('; ') };
    default:
      return issue;
  }
}

/** `messages[0].content` — the param notation OpenAI uses in its own errors. */
export function paramPath(path: readonly PropertyKey[]): string | null {
  let out = '';
  for (const segment of path) {
    out += typeof segment === 'number' ? `[${segment}]` : `${out ? '.' : ''}${String(segment)}`;
  }
  return out || null;
}

/**
 * Validates `value` against `schema`. On success returns the input itself (the schemas here only
 * check, never transform), so unknown parameters reach the provider byte-for-byte.
 */
export function validateBody<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('The request body must be a JSON object.');
  }
  const result = schema.safeParse(value);
  if (result.success) return value as z.infer<S>;
  const issues = result.error.issues.slice(0, 3).map((issue) => described(issue, value));
  const param = issues[0]?.param ?? null;
  const message = issues.map((issue) => issue.message).join('; ');
  throw invalidRequest(message, param);
}

/**
 * An issue in the words a client needs: an unknown field named as the param, a missing one said to
 * be required (zod says only "expected string, received undefined"), a union's failure where it
 * happened or as what the union allows (issue-told.ts).
 */
function described(issue: z.core.$ZodIssue, body: unknown): { param: string | null; message: string } {
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((key) => `'${paramPath([...issue.path, key])}'`).join(', ');
    const many = issue.keys.length > 1;
    const param = paramPath(located(issue).path);
    return { param, message: `Unknown field${many ? 's' : ''} ${names}: remove ${many ? 'them' : 'it'}.` };
  }
  const where =
    issue.code === 'invalid_key'
      ? { path: [...issue.path], message: located(issue).message }
      : told(issue, body);
  const param = paramPath(where.path);
  const message = toldWords(where, body);
  return { param, message: param ? `Invalid '${param}': ${message}` : message };
}

/**
 * `value` checked against `schema`, or a 400 whose param is where it sits in the body: a part of a
 * body checked on its own, by its type's schema (a Responses input item or tool, a Messages block).
 */
export function checked<S extends z.ZodType>(schema: S, value: unknown, at: (string | number)[]): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue ? told(issue, value) : { path: [], message: 'invalid value' };
  const param = paramPath([...at, ...where.path]);
  throw invalidRequest(`Invalid '${param}': ${toldWords(where, value)}`, param);
}
