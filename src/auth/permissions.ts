// What each admin role may do, in one table: every /admin route not listed is for `admin` only,
// so a new route is closed to the narrower roles until it is added here on purpose.
import type { Principal, Role } from './principal';

interface Grant {
  /** Path below /admin, matched against the whole path. */
  path: RegExp;
  methods: readonly string[] | 'any';
  roles: readonly Role[];
}

const READ = ['GET', 'HEAD'] as const;

const GRANTS: readonly Grant[] = [
  // Team-admins manage keys; the key routes then limit them to their own team (auth/team-scope.ts).
  { path: /^\/admin\/keys(?:\/.*)?$/, methods: 'any', roles: ['team-admin'] },
  // Logs and analytics: read-only for viewers; team-admins see their team's rows only.
  { path: /^\/admin\/(?:logs|analytics)(?:\/.*)?$/, methods: READ, roles: ['viewer', 'team-admin'] },
];

export function permitted(principal: Principal, method: string, path: string): boolean {
  if (principal.role === 'admin') return true;
  // A team-admin may read its own team (budget, usage), and nothing else of /admin/teams.
  if (principal.role === 'team-admin' && READ.includes(method as 'GET') && principal.teamId) {
    if (path === `/admin/teams/${principal.teamId}`) return true;
  }
  return GRANTS.some(
    (grant) =>
      grant.roles.includes(principal.role) &&
      (grant.methods === 'any' || grant.methods.includes(method)) &&
      grant.path.test(path),
  );
}
