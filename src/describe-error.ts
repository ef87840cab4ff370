// What an error on a request's path may say in Workers Logs: what identifies the failure, never
// its message. A provider's error text can quote the prompt it refused (and an embedding provider's
// the question), a JSON SyntaxError quotes the text it could not parse: a zero-retention key's
// content must not reach the logs that way, nor anyone else's.

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

function identifier(value: unknown): string | undefined {
  return typeof value === 'string' && IDENTIFIER.test(value) ? value : undefined;
}
