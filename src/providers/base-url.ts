// A provider's base URL with each request's path added. A query string in the base URL (an API
// proxy's key, an Azure API Management subscription key) stays one: after the path, beside the
// path's own (`?alt=sse`), never glued into the path or into its last parameter's value.
import { UpstreamError } from './types';

/** `(path) => URL` under `baseUrl` (trailing slashes and any #fragment dropped). */
export function urlUnder(baseUrl: string): (path: string) => string {
  // A fragment is never sent, and a path after it would not be either (refused when written, but
  // a stored config may have one).
  const url = baseUrl.replace(/#.*$/s, '');
  const at = url.indexOf('?');
  if (at < 0) {
    const root = url.replace(/\/+$/, '');
    return (path) => `${root}${path}`;
  }
  const root = url.slice(0, at).replace(/\/+$/, '');
  const query = url.slice(at + 1);
  return (path) => {
    const own = path.indexOf('?');
    if (own < 0) return `${root}${path}?${query}`;
    return `${root}${path.slice(0, own)}?${query}&${path.slice(own + 1)}`;
  };
}

/**
 * A client-named value (a model, a deployment) as one path segment. Percent-encoding keeps `/`, `?`
 * and `#` in it, but `.` and `..` stay as they are, and URL parsing (fetch) resolves them: `bedrock/..`
 * would reach `/converse` and `azure/..` `/openai/chat/completions` on the provider's host, with the
 * gateway's credentials. No model is named so: refused as the provider would refuse an unknown one.
 */
export function pathSegment(value: string): string {
  const encoded = encodeURIComponent(value);
  if (encoded === '.' || encoded === '..')
    throw new UpstreamError('caller', 404, `The model '${value}' does not exist.`, {
      code: 'model_not_found',
      param: 'model',
      type: 'invalid_request_error',
    });
  return encoded;
}
