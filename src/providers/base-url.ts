// A provider's base URL with each request's path added. A query string in the base URL (an API
// proxy's key, an Azure API Management subscription key) stays one: after the path, beside the
// path's own (`?alt=sse`), never glued into the path or into its last parameter's value.

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
