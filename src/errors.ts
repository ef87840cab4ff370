// The one place the OpenAI error shape {"error":{message,type,param,code}} is built.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { RetentionParam } from './routes/zdr-retention';

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'api_error'
  | 'timeout_error';

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

/** An error the gateway answers with; thrown anywhere, rendered once by the app's error handler. */
export class GatewayError extends Error {
  /**
   * The gateway key a refusal of its object concerns, so the log row names it without a lookup;
   * null when the object knows no such key. Undefined for every other error.
   */
  refusedKey?: { id: string; teamId: string | null } | null;

  constructor(
    readonly status: ContentfulStatusCode,
    readonly type: ErrorType,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  toResponse(extraHeaders?: Headers): Response {
    const headers = new Headers(extraHeaders);
    headers.set('content-type', 'application/json');
    for (const [name, value] of Object.entries(this.headers)) headers.set(name, value);
    return new Response(JSON.stringify(this.toBody()), { status: this.status, headers });
  }
}

/** `error`, when a GatewayError, carrying the answer's `headers` too (rate limits, cache status). */
export function withHeaders(error: unknown, headers: Headers): unknown {
  if (error instanceof GatewayError) Object.assign(error.headers, Object.fromEntries(headers));
  return error;
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new GatewayError(400, 'invalid_request_error', code, message, param);

export const invalidApiKey = (message: string) =>
  new GatewayError(401, 'authentication_error', 'invalid_api_key', message);

export const modelNotAllowed = (model: string, who: 'key' | 'team' = 'key') =>
  new GatewayError(
    403,
    'permission_error',
    'model_not_allowed',
    who === 'key'
      ? `This key may not use model '${model}'.`
      : `This key's team may not use model '${model}': it is outside the team's model allowlist.`,
    'model',
  );

/**
 * A client's value as an error message quotes it: a string as it is, anything else as its JSON, cut
 * to 100 characters. Never throws, where String() does on an object whose toString is no function
 * (`{"type": {"toString": 1}}`), which made a 500 of a 400.
 */
export function shownValue(value: unknown): string {
  if (typeof value === 'string') return value;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return (json ?? typeof value).slice(0, 100);
}

/**
 * A zero-retention key (or a key of a zero-retention team) asked its provider to keep the request:
 * `store: true` (OpenAI's stored completions, shown in its dashboard; a stored response), or a
 * prompt cache kept beyond memory (`prompt_cache_retention: "24h"`: the prompt's key/value tensors
 * on the provider's storage for up to a day) or beyond its default lifetime (`prompt_cache_options.ttl`
 * other than `30m`). The key's policy forbids it, as an allowlist forbids a model: a 403, the same
 * body being fine for another key.
 */
export const zdrStoreRefused = (param: RetentionParam = 'store') =>
  new GatewayError(403, 'permission_error', 'zdr_store_refused', ZDR_REFUSALS[param], param);

/**
 * A zero-retention key's request uses a provider feature whose data the provider keeps after the
 * answer (a code execution container, the MCP connector: src/routes/zdr-features.ts): refused as
 * `store: true` is, `param` naming where it is asked for.
 */
export const zdrFeatureRefused = (feature: { param: string; what: string; advice: string }) =>
  new GatewayError(
    403,
    'permission_error',
    'zdr_store_refused',
    `This key is zero-retention: it may not use ${feature.what} ('${feature.param}'). ${feature.advice}`,
    feature.param,
  );

const ZDR_REFUSALS: Record<RetentionParam, string> = {
  store:
    "This key is zero-retention: it may not ask the provider to store the request ('store: true'). Send 'store: false' or leave it out.",
  conversation:
    "This key is zero-retention: it may not keep a conversation ('conversation', POST /v1/conversations). Send each turn's whole input instead.",
  prompt_cache_retention:
    "This key is zero-retention: it may not ask the provider to keep its prompt cache beyond memory ('prompt_cache_retention' other than 'in_memory'). Send 'in_memory' or leave it out.",
  'prompt_cache_options.ttl':
    "This key is zero-retention: it may not ask the provider to keep its prompt cache beyond the default lifetime ('prompt_cache_options.ttl' other than '30m'). Send '30m' or leave it out.",
};

export const modelNotFound = (model: string) =>
  new GatewayError(
    404,
    'invalid_request_error',
    'model_not_found',
    `The model '${model}' does not exist: use a configured alias or '<provider>/<model>' with a configured provider.`,
    'model',
  );

export const payloadTooLarge = (limit: number) =>
  new GatewayError(
    413,
    'invalid_request_error',
    'request_too_large',
    `Request body is larger than the limit of ${limit} bytes.`,
  );

/** A wait in ms as a `retry-after` value: whole seconds, rounded up, at least one. */
export const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Something the gateway needs (a Durable Object, KV) could not answer just now: a 503 to retry, never a 500. */
export const unavailableNow = (code: string, message: string) =>
  new GatewayError(503, 'api_error', code, message, null, { 'retry-after': '1' });

/**
 * The client went away before the answer was ready (its request's signal aborted). Nobody reads
 * this answer; it is what the request's log row records (status 499, cancelled).
 */
export const CLIENT_CLOSED = 'client_closed';
export const clientClosed = () =>
  new GatewayError(
    499 as ContentfulStatusCode,
    'invalid_request_error',
    CLIENT_CLOSED,
    'The client closed the connection before the answer was ready.',
  );

/** Whether `error` is what the request's signal aborted with (or an AbortError once it has). */
export function isClientAbort(error: unknown, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  return error === signal.reason || (error instanceof Error && error.name === 'AbortError');
}

export const routeNotFound = (method: string, path: string) =>
  new GatewayError(404, 'invalid_request_error', 'not_found', `Unknown route: ${method} ${path}`);
