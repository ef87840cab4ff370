// Gemini's errors (an `{error}` body, or `[{error}]`) → the gateway's UpstreamError: which failure
// class each Google RPC status is, and the few answers whose status says otherwise.
import * as z from 'zod';
import { failureForStatus, UpstreamError, type UpstreamFailure } from './types';

export const errorSchema = z.looseObject({
  code: z.number().optional(),
  message: z.string().optional(),
  status: z.string().optional(),
  details: z
    .array(z.looseObject({ reason: z.string().optional(), retryDelay: z.string().optional() }))
    .optional(),
});
const errorBodySchema = z.looseObject({ error: errorSchema.optional() });
type GeminiError = z.infer<typeof errorSchema>;

/** Google RPC status → failure class and the HTTP status Google uses for it. */
const STATUSES: Record<string, [UpstreamFailure, number]> = {
  INVALID_ARGUMENT: ['caller', 400],
  OUT_OF_RANGE: ['caller', 400],
  NOT_FOUND: ['caller', 404],
  FAILED_PRECONDITION: ['auth', 400], // billing or region not enabled: the gateway's account
  UNAUTHENTICATED: ['auth', 401],
  PERMISSION_DENIED: ['auth', 403],
  RESOURCE_EXHAUSTED: ['rate_limit', 429],
  CANCELLED: ['network', 499],
  INTERNAL: ['server', 500],
  UNKNOWN: ['server', 500],
  UNAVAILABLE: ['overloaded', 503],
  DEADLINE_EXCEEDED: ['timeout', 504],
};

/** "The File abc is not in an ACTIVE state…", "…permission to access the File abc or it may not exist." */
const CLIENT_FILE = /\bFile [\w/.-]+ (?:is not in an ACTIVE state|or it may not exist)|access the File\b/;

/** Parses a Gemini error body (`{error}` or `[{error}]`). */
export function parseGeminiError(text: string): GeminiError {
  try {
    const json: unknown = JSON.parse(text);
    const parsed = errorBodySchema.safeParse(Array.isArray(json) ? json[0] : json);
    if (parsed.success && parsed.data.error) return parsed.data.error;
  } catch {
    // not JSON
  }
  return {};
}

export function geminiError(provider: string, error: GeminiError, status?: number, retryAfterMs?: number) {
  const known = error.status ? STATUSES[error.status] : undefined;
  const httpStatus = status ?? error.code ?? known?.[1] ?? 500;
  // As every adapter classifies a status: a redirect (not followed) is the operator's, not the caller's.
  let failure: UpstreamFailure = known?.[0] ?? failureForStatus(httpStatus);
  // Google answers a bad API key with 400 INVALID_ARGUMENT: it is the gateway's credential.
  if (
    error.details?.some((d) => d.reason === 'API_KEY_INVALID') ||
    /API key not valid/i.test(error.message ?? '')
  )
    failure = 'auth';
  // A file the client referred to (the Files API) that is still processing, expired or another
  // project's: FAILED_PRECONDITION or PERMISSION_DENIED, like a billing or key problem, but the
  // client's to fix — not a reason to fail the target over, open its breaker or blame the key.
  if (failure === 'auth' && error.status !== 'UNAUTHENTICATED' && CLIENT_FILE.test(error.message ?? ''))
    failure = 'caller';
  if (failure === 'caller') {
    const tooLong = /exceeds the maximum number of tokens|input token count/i.test(error.message ?? '');
    return new UpstreamError(failure, httpStatus, error.message ?? `${provider} rejected the request.`, {
      code: tooLong ? 'context_length_exceeded' : null,
      type: 'invalid_request_error',
    });
  }
  return new UpstreamError(
    failure,
    httpStatus,
    `${provider} answered HTTP ${httpStatus}${error.status ? ` (${error.status})` : ''}.`,
    { code: error.status ?? null, retryAfterMs: retryAfterMs ?? retryDelayMs(error) },
  );
}

/** A RESOURCE_EXHAUSTED answer's RetryInfo (`"retryDelay": "37s"`, or "1.5s") in ms. */
function retryDelayMs(error: GeminiError): number | undefined {
  for (const detail of error.details ?? []) {
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay ?? '');
    if (match) return Math.ceil(Number(match[1]) * 1000);
  }
  return undefined;
}
