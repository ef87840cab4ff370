// Cross-origin access to the client API, for apps that call it from a browser (the OpenAI SDK's
// `dangerouslyAllowBrowser`, the AI SDK in a page): as at api.openai.com, any origin may call it,
// because the credential is a bearer key the page sends itself, never a cookie the browser adds —
// a page without the key gets a 401 like anyone else. The admin API gets none of this: its tokens
// are not for pages on other origins, so a browser keeps those answers from them.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';

/** What a page may read of an answer besides the CORS-safelisted headers. */
const EXPOSED = [
  'x-request-id',
  'x-tollgate-request-id',
  'x-tollgate-cache',
  'x-tollgate-cache-similarity',
  'x-tollgate-provider',
  'x-tollgate-model',
  'x-tollgate-attempts',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
  'retry-after',
  // A request larger than the whole TPM limit says not to retry it: unread, the SDK retries anyway.
  'x-should-retry',
].join(', ');

/** A header-name list as a preflight names it; anything else is not echoed (the preflight fails). */
const HEADER_LIST = /^[\w!#$%&'*+.^`|~-]+(?:\s*,\s*[\w!#$%&'*+.^`|~-]+)*$/;

/** A day: the longest a browser keeps a preflight's answer (Chromium caps it at two hours). */
const PREFLIGHT_MAX_AGE = '86400';

/**
 * Answers preflights and marks answers readable cross-origin. A request without `Origin` — every
 * server-side client — passes untouched, so the hot path pays one header lookup.
 */
export const browserAccess = () =>
  createMiddleware<AppEnv>(async function browserAccess(c, next) {
    const headers = c.req.raw.headers;
    if (headers.get('origin') === null) return next();
    if (c.req.method === 'OPTIONS' && headers.get('access-control-request-method') !== null) {
      return preflight(headers.get('access-control-request-headers'));
    }
    await next();
    c.res.headers.set('access-control-allow-origin', '*');
    c.res.headers.set('access-control-expose-headers', EXPOSED);
  });

function preflight(requested: string | null): Response {
  const headers = new Headers({
    'access-control-allow-origin': '*',
    // DELETE: a stored response (DELETE /v1/responses/{id}) is removed from a page too.
    'access-control-allow-methods': 'GET, POST, DELETE',
    'access-control-max-age': PREFLIGHT_MAX_AGE,
    vary: 'access-control-request-headers',
  });
  // Echoed rather than listed: the SDKs add their own (`x-stainless-*`, `openai-beta`), and the
  // gateway reads only the ones it knows, so allowing what a page asks for widens nothing.
  const list = requested?.trim();
  if (list && HEADER_LIST.test(list)) headers.set('access-control-allow-headers', list);
  return new Response(null, { status: 204, headers });
}
