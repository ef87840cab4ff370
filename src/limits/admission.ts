// The hot path's one Durable Object round trip, and the mapping of its refusals to wire errors.
import type { Env } from '../env';
import { GatewayError, invalidApiKey, modelNotAllowed } from '../errors';
import type { AdmitRequest, AdmitResult, KeyObject, RateState, RateWindow } from './key-object';

export type Admitted = Extract<AdmitResult, { ok: true }> & { stub: DurableObjectStub<KeyObject> };

export function keyStub(env: Env, keyHash: string): DurableObjectStub<KeyObject> {
  return env.KEYS.get(env.KEYS.idFromName(keyHash));
}

export async function admitKey(
  env: Env,
  keyHash: string,
  request: AdmitRequest,
  model: string,
): Promise<Admitted> {
  const stub = keyStub(env, keyHash);
  const result = await stub.admit(request);
  if (result.ok) return { ...result, stub };
  throw admissionError(result, model);
}

function admissionError(result: Extract<AdmitResult, { ok: false }>, model: string): GatewayError {
  switch (result.reason) {
    case 'unknown':
      return invalidApiKey('Incorrect API key provided.');
    case 'revoked':
      return invalidApiKey('This API key has been revoked.');
    case 'expired':
      return invalidApiKey('This API key has expired.');
    case 'model_not_allowed':
      return modelNotAllowed(model);
    case 'rate_limited': {
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      const what = result.limit === 'requests' ? 'requests per minute (RPM)' : 'tokens per minute (TPM)';
      const window = result.rate[result.limit];
      return new GatewayError(
        429,
        'rate_limit_error',
        'rate_limit_exceeded',
        `Rate limit reached for ${what}: limit ${window?.limit}, remaining ${window?.remaining}. Please try again in ${seconds}s.`,
        null,
        { ...rateLimitHeaders(result.rate), 'retry-after': String(seconds) },
      );
    }
    case 'too_large':
      return new GatewayError(
        429,
        'rate_limit_error',
        'rate_limit_exceeded',
        `Request too large: it may use up to ${result.requested} tokens (input estimate + max_tokens), more than this key's limit of ${result.capacity} tokens per minute. Lower max_tokens or shorten the prompt.`,
        'max_tokens',
        rateLimitHeaders(result.rate),
      );
  }
}

/** OpenAI's header names; a limit the key does not have is not advertised. */
export function rateLimitHeaders(rate: RateState): Record<string, string> {
  const headers: Record<string, string> = {};
  const put = (suffix: 'requests' | 'tokens', window: RateWindow | undefined) => {
    if (!window) return;
    headers[`x-ratelimit-limit-${suffix}`] = String(window.limit);
    headers[`x-ratelimit-remaining-${suffix}`] = String(window.remaining);
    headers[`x-ratelimit-reset-${suffix}`] = formatDuration(window.resetMs);
  };
  put('requests', rate.requests);
  put('tokens', rate.tokens);
  return headers;
}

/** `850ms`, `12s`, `1m30s` — the duration notation of OpenAI's reset headers. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
