// Every route the Worker serves, read from src/index.ts's wiring and the mounted sub-apps, so routes
// added later (logs, analytics, tokens…) are fuzzed without anyone updating a list.
import indexSource from '../../src/index.ts?raw';

export interface DeclaredRoute {
  method: string;
  path: string;
}

interface RouteTable {
  routes: { method: string; path: string }[];
}

const routeModules = import.meta.glob<Record<string, unknown>>('../../src/routes/**/*.ts', { eager: true });

/** `app.route('/admin/x', x)` mounts and `app.get('/', …)` routes of src/index.ts, expanded. */
export function declaredRoutes(): DeclaredRoute[] {
  const modulePath = new Map<string, string>();
  for (const [, names, from] of indexSource.matchAll(
    /import\s*\{([^}]+)\}\s*from\s*'\.\/(routes\/[^']+)'/g,
  )) {
    for (const name of names!.split(',')) modulePath.set(name.trim(), `../../src/${from}.ts`);
  }
  const found = new Map<string, DeclaredRoute>();
  const add = (method: string, path: string) => {
    if (method === 'ALL' || path.includes('*')) return; // middleware and catch-alls
    found.set(`${method} ${path}`, { method, path });
  };
  for (const [, mount, name] of indexSource.matchAll(/app\.route\(\s*'([^']+)'\s*,\s*(\w+)\s*\)/g)) {
    const sub = routeModules[modulePath.get(name!) ?? '']?.[name!] as RouteTable | undefined;
    if (!sub?.routes)
      throw new Error(`src/index.ts mounts ${name} at ${mount}, but its routes were not found`);
    for (const route of sub.routes) add(route.method, route.path === '/' ? mount! : `${mount}${route.path}`);
  }
  for (const [, method, path] of indexSource.matchAll(/app\.(get|post|put|patch|delete)\(\s*'([^']+)'/g))
    add(method!.toUpperCase(), path!);
  return [...found.values()];
}
