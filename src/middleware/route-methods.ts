// What the app answers for a route it does not serve: 404 for an unknown path, 405 (with `Allow`)
// for a known path asked with another method — a wrong verb is not a missing route.
import { GatewayError, routeNotFound } from '../errors';

interface Route {
  method: string;
  path: string;
}
interface Pattern {
  methods: Set<string>;
  match: RegExp;
}

/** The app's routes as patterns (`:id` matches one segment), built once from its route table. */
function patternsOf(routes: readonly Route[]): Pattern[] {
  const byPath = new Map<string, Set<string>>();
  for (const { method, path } of routes) {
    if (method === 'ALL' || path.includes('*')) continue; // middleware
    const methods = byPath.get(path) ?? new Set<string>();
    methods.add(method);
    byPath.set(path, methods);
  }
  return [...byPath].map(([path, methods]) => ({
    methods,
    match: new RegExp(
      `^${path
        .replace(/\/+$/, '')
        .split('/')
        .map((part) =>
          part.startsWith(':') ? paramPattern(part) : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/')}/?$`,
    ),
  }));
}

/** `:id` is one segment; `:id{.+}` (Hono's own pattern) what its pattern says. */
function paramPattern(part: string): string {
  const own = /\{(.+)\}$/.exec(part)?.[1];
  return own ? `(?:${own})` : '[^/]+';
}

/** A notFound handler for `app`: 405 naming the allowed methods when the path exists, else 404. */
export function unservedRoute(app: { readonly routes: readonly Route[] }) {
  let patterns: Pattern[] | undefined;
  return (method: string, path: string): Response => {
    patterns ??= patternsOf(app.routes);
    const allowed = new Set<string>();
    for (const pattern of patterns) {
      if (pattern.match.test(path)) for (const m of pattern.methods) allowed.add(m);
    }
    if (allowed.size === 0 || allowed.has(method)) return routeNotFound(method, path).toResponse();
    const list = [...allowed].sort();
    return new GatewayError(
      405,
      'invalid_request_error',
      'method_not_allowed',
      `Method ${method} is not allowed on ${path}; use ${list.join(' or ')}.`,
      null,
      { allow: list.join(', ') },
    ).toResponse();
  };
}
