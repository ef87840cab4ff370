// Anthropic's errors → UpstreamError: an HTTP error answer or a stream's `error` event, by its type
// and status. Apart from the answer's translation: Vertex's Claude answers Anthropic's errors too.
import { failureForStatus, UpstreamError, type UpstreamFailure } from './types';

/** Anthropic error types: the failure class and the HTTP status Anthropic documents for each. */
const ERROR_TYPES: Record<string, [UpstreamFailure, number]> = {
  invalid_request_error: ['caller', 400],
  authentication_error: ['auth', 401],
  billing_error: ['auth', 402],
  permission_error: ['auth', 403],
  not_found_error: ['caller', 404],
  request_too_large: ['caller', 413],
  rate_limit_error: ['rate_limit', 429],
  api_error: ['server', 500],
  timeout_error: ['timeout', 504],
  overloaded_error: ['overloaded', 529],
};

/** One Anthropic error (HTTP answer or stream `error` event) as an UpstreamError. */
export function anthropicError(
  provider: string,
  status: number | undefined,
  type: string | undefined,
  message: string | undefined,
  retryAfterMs?: number,
): UpstreamError {
  const known = type ? ERROR_TYPES[type] : undefined;
  const httpStatus = status ?? known?.[1] ?? 500;
  // An account out of credit answers invalid_request_error: the operator's problem, not the
  // caller's: the next target is tried, and the client never reads the account's billing state.
  if (message && OUT_OF_CREDIT.test(message)) {
    return new UpstreamError(
      'auth',
      httpStatus,
      `${provider} refused the request: its account is out of credit.`,
      {
        code: 'insufficient_quota',
      },
    );
  }
  // As every adapter classifies a status: a redirect (not followed) is the operator's, not the caller's.
  const failure: UpstreamFailure = known?.[0] ?? failureForStatus(httpStatus);
  if (failure === 'caller') {
    const code = message && CONTEXT_TOO_LONG.test(message) ? 'context_length_exceeded' : null;
    return new UpstreamError(failure, httpStatus, message ?? `${provider} rejected the request.`, {
      code,
      type: 'invalid_request_error',
    });
  }
  // Provider-side failures get a generic message: upstream internals stay in the gateway.
  return new UpstreamError(
    failure,
    httpStatus,
    `${provider} answered HTTP ${httpStatus}${type ? ` (${type})` : ''}.`,
    {
      code: type ?? null,
      retryAfterMs,
    },
  );
}

const OUT_OF_CREDIT = /credit balance is too low|reached your specified API usage limits/i;
/** "prompt is too long: 208326 tokens > 200000 maximum", "input length and `max_tokens` exceed context limit: …". */
const CONTEXT_TOO_LONG = /prompt is too long|exceed context limit/i;
