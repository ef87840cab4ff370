// Bedrock failures → UpstreamError. Bedrock names its errors (x-amzn-errortype, or the
// :exception-type of a stream event), which says more than the status: ModelNotReadyException is
// a 429 that means "warming up", ThrottlingException a 429 that means "slow down".
import type { EventStreamMessage } from './aws-event-stream';
import { failureForStatus, UpstreamError, type UpstreamFailure } from './types';
import { parseErrorBody, readErrorText, retryAfterMs } from './upstream-error';

const BY_TYPE: Record<string, UpstreamFailure> = {
  AccessDeniedException: 'auth',
  UnrecognizedClientException: 'auth',
  InvalidSignatureException: 'auth',
  IncompleteSignatureException: 'auth',
  MissingAuthenticationTokenException: 'auth',
  ExpiredTokenException: 'auth',
  ThrottlingException: 'rate_limit',
  ServiceQuotaExceededException: 'rate_limit',
  TooManyRequestsException: 'rate_limit',
  ModelNotReadyException: 'overloaded',
  ServiceUnavailableException: 'overloaded',
  ModelTimeoutException: 'timeout',
  InternalServerException: 'server',
  ModelErrorException: 'server',
  ModelStreamErrorException: 'server',
  ValidationException: 'caller',
  ResourceNotFoundException: 'caller',
};

/** Claude's "input length and `max_tokens` exceed context limit: …" included (context-refusal.ts). */
const TOO_LONG =
  /too long|too many (input )?tokens|context (length|window|limit)|maximum context|exceeds? the maximum/i;

/** `ValidationException:http://internal.amazon.com/…` or `throttlingException` → `ValidationException`. */
export function errorTypeName(raw: string | null | undefined): string | undefined {
  const name = raw?.split(':')[0]?.split('#').at(-1)?.trim();
  return name ? name.charAt(0).toUpperCase() + name.slice(1) : undefined;
}

export function bedrockError(
  provider: string,
  status: number,
  type: string | undefined,
  detail: string | undefined,
  retryAfter?: number,
): UpstreamError {
  const failure = (type ? BY_TYPE[type] : undefined) ?? failureForStatus(status || 500);
  const label = type ?? 'error';
  // Only the caller's own faults carry Bedrock's words; the rest could echo account details.
  if (failure === 'caller') {
    const message = detail ?? `${provider} rejected the request (${label}).`;
    const code = type === 'ValidationException' && TOO_LONG.test(message) ? 'context_length_exceeded' : label;
    return new UpstreamError('caller', status || 400, message, { code });
  }
  return new UpstreamError(
    failure,
    status,
    `${provider} answered ${status ? `HTTP ${status} ` : ''}(${label}).`,
    {
      code: label,
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
    },
  );
}

export async function bedrockErrorFrom(provider: string, response: Response): Promise<UpstreamError> {
  const text = await readErrorText(response);
  let bodyType: string | undefined;
  let message = parseErrorBody(text).message;
  try {
    const json = JSON.parse(text) as { __type?: unknown; Message?: unknown };
    if (typeof json.__type === 'string') bodyType = json.__type;
    if (!message && typeof json.Message === 'string') message = json.Message;
  } catch {
    // not JSON: the header still names the error
  }
  const type = errorTypeName(response.headers.get('x-amzn-errortype') ?? bodyType);
  return bedrockError(provider, response.status, type, message, retryAfterMs(response.headers));
}

/**
 * An exception frame of a Bedrock event stream (`:message-type` exception, a throttle or a model
 * error mid-stream): its type from the headers, its words from the JSON payload when it has one.
 */
export function streamException(provider: string, message: EventStreamMessage): UpstreamError {
  const headers = message.headers;
  const type = errorTypeName(String(headers[':exception-type'] ?? headers[':error-code'] ?? ''));
  let detail = typeof headers[':error-message'] === 'string' ? headers[':error-message'] : undefined;
  try {
    const body = JSON.parse(new TextDecoder().decode(message.payload)) as { message?: unknown };
    if (typeof body.message === 'string') detail = body.message;
  } catch {
    // an exception without a JSON payload still has its type
  }
  return bedrockError(provider, 0, type, detail);
}
