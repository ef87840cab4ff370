// The error codes a log row keeps: identifiers only. A provider's 4xx passes through to its client
// with the provider's `code` as sent, but that is the provider's string, and one that is not an
// identifier may be its words — the prompt's, even — which a row (a zero-retention key's above all,
// whose row keeps no request or answer) must not hold.
import type { LogRow } from './row';

/** What an error code looks like (`context_length_exceeded`, `invalid_request_error`, `400`). */
const CODE = /^[\w.:-]{1,64}$/;

/** The row's codes as it keeps them: one that is no identifier is its status's (`http_400`), or none. */
export function keptCodes(row: LogRow): Pick<LogRow, 'errorCode' | 'attempts'> {
  const errorCode = row.errorCode === null || CODE.test(row.errorCode) ? row.errorCode : `http_${row.status}`;
  const attempts = row.attempts.map((attempt) => {
    if (typeof attempt.code !== 'string' || CODE.test(attempt.code)) return attempt;
    const { code: _, ...rest } = attempt;
    return rest as typeof attempt;
  });
  return { errorCode, attempts };
}
