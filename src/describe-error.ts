// What an error on a request's path may say in Workers Logs: what identifies the failure, never
// its message. A provider's error text can quote the prompt it refused (and an embedding provider's
// the question), a JSON SyntaxError quotes the text it could not parse: a zero-retention key's
// content must not reach the logs that way, nor anyone else's. A failure of the gateway's own
// storage and objects (describeFailure) keeps its message too, with what could be a credential or
// quoted content taken out: "no such table" or "Network connection lost" is what an operator needs.

/** A name, code or failure kind as code sets it: an identifier, not free text. */
const IDENTIFIER = /^[A-Za-z_$][\w$.-]{0,63}$/;

/**
 * `UpstreamError (status 400, code context_length_exceeded, failure caller)`: the error's name, and
 * the HTTP status, code and failure kind it carries, each only when present and identifier-like (a
 * provider's `code` is its own field, so one that reads as text is left out).
 */
export function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return `non-error thrown (${typeof error})`;
  const fields = error as Record<string, unknown>;
  const name = identifier(fields.name) ?? identifier(error.constructor?.name) ?? 'Error';
  const options = typeof fields.options === 'object' && fields.options !== null ? fields.options : {};
  const code = identifier(fields.code) ?? identifier((options as Record<string, unknown>).code);
  const status =
    typeof fields.status === 'number' && Number.isInteger(fields.status) ? fields.status : undefined;
  const parts = [
    status !== undefined ? `status ${status}` : undefined,
    code !== undefined ? `code ${code}` : undefined,
    identifier(fields.failure) !== undefined ? `failure ${fields.failure}` : undefined,
  ].filter((part) => part !== undefined);
  return parts.length > 0 ? `${name} (${parts.join(', ')})` : name;
}

/**
 * Where an error was thrown: its stack's frames without the first line, which repeats the message.
 * For a failure nobody anticipated (the app's error handler), where the place is what an operator needs.
 */
export function stackFrames(error: unknown): string {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return '';
  // V8 opens the stack with `name: message` (the message may span lines, or mimic a frame), the
  // name as it was when the error was made: what follows the message is frames only. A stack that
  // does not hold the message is not one to read; nothing of it is logged.
  const stack = error.stack;
  const at = error.message ? stack.indexOf(error.message) : 0;
  if (at < 0) return '';
  const rest = stack
    .slice(at + error.message.length)
    .split('\n')
    .slice(1);
  return rest.filter((line) => /^\s+at \S/.test(line)).join('\n');
}

/** The flags Cloudflare sets on a Durable Object's errors that say what to do about them. */
const FLAGS = ['retryable', 'overloaded'] as const;

/**
 * A failure of the gateway's own bindings — a Durable Object call, D1, KV, a fetch between its own
 * objects — as its logs tell it: describeError, the object's flags, and safeMessage. Not for a
 * provider's error, whose message, quoted text aside, may still be the prompt's (describeError).
 * `Error [overloaded]: Durable Object is overloaded. Requests queued for too long.`
 */
export function describeFailure(error: unknown): string {
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const flags = FLAGS.filter((flag) => fields[flag] === true);
  const message = safeMessage(fields.message);
  return `${describeError(error)}${flags.length > 0 ? ` [${flags.join(', ')}]` : ''}${message ? `: ${message}` : ''}`;
}

/** Most of a message's first line safeMessage reads: what it keeps is shorter still. */
const MAX_SCANNED_CHARS = 2_000;
/** Longest message safeMessage keeps: a line to read, not a dump. */
const MAX_MESSAGE_CHARS = 200;
/** A quote that opens or closes quoted text; an apostrophe between letters (Object's) is neither. */
const QUOTE = /["`]|(?<!\p{L})'|'(?!\p{L})/gu;
/** A URL, up to whatever ends it in prose. */
const URL_IN_TEXT = /\b[a-z][a-z\d+.-]*:\/\/[^\s"'`<>]*/gi;
/** An Authorization header's credential (`Bearer sk-…`). */
const AUTH_SCHEME = /\b(bearer|basic)(\s+)[^\s,;]+/gi;
/** A value whose name says it is a credential (`api_key=…`, `password: …`, `x-goog-api-key: …`). */
const CREDENTIAL_PAIR =
  /\b([\w-]*(?:key|token|secret|passw(?:or)?d|auth\w*|signature|sig|credential)s?)(\s*[=:]\s*)[^\s,;&]+/gi;
/** A run of characters a key, token, digest or id is made of. */
const TOKEN = /[\w+/=.~-]{8,}/g;
/** How credentials the gateway knows begin: OpenAI's, gateway keys and admin tokens, Google's, AWS's, GitHub's, Slack's. */
const SECRET_PREFIX = /^(?:sk[-_]|tga?-|AIza|AKIA|ASIA|gh[pousr]_|xox[abprs]-)/;

/**
 * An error's message with nothing in it that could be a secret or someone's content: its first
 * line only; quoted text (a SyntaxError's excerpt of the JSON, a value SQLite quotes) elided; a URL
 * cut to its origin (no user:password, path or query); an Authorization credential, a value named
 * like a key, token or password, and any run of characters shaped like a key, token or digest
 * (one with a known credential prefix; letters mixed with digits over 11 characters; anything
 * over 31) replaced by `[redacted]`; at most MAX_MESSAGE_CHARS characters. Empty for a non-string.
 */
export function safeMessage(message: unknown): string {
  if (typeof message !== 'string') return '';
  // Cut before the patterns run: some take time quadratic in a line's length (80 KB: seconds).
  let text = (message.split('\n', 1)[0] ?? '').slice(0, MAX_SCANNED_CHARS);
  const quotes = [...text.matchAll(QUOTE)].map((match) => match.index);
  const first = quotes[0];
  const last = quotes.at(-1);
  // From the first quote to the last: quoted text may hold quotes of its own (JSON does). A lone
  // quote opens text cut short: nothing after it is kept.
  if (first !== undefined && last !== undefined)
    text = first < last ? `${text.slice(0, first)}"…"${text.slice(last + 1)}` : `${text.slice(0, first)}"…`;
  text = text
    .replace(URL_IN_TEXT, urlOrigin)
    .replace(AUTH_SCHEME, '$1$2[redacted]')
    .replace(CREDENTIAL_PAIR, '$1$2[redacted]')
    .replace(TOKEN, (token) => (credentialShaped(token) ? '[redacted]' : token));
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

function urlOrigin(text: string): string {
  try {
    const url = new URL(text);
    return url.host ? `${url.protocol}//${url.host}` : `${url.protocol}[url]`;
  } catch {
    return '[url]';
  }
}

function credentialShaped(token: string): boolean {
  if (token.length > 31 || SECRET_PREFIX.test(token)) return true;
  return token.length > 11 && /\d/.test(token) && /[a-z]/i.test(token);
}

function identifier(value: unknown): string | undefined {
  return typeof value === 'string' && IDENTIFIER.test(value) ? value : undefined;
}
