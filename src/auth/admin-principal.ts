// Admin authentication and authorisation for /admin/*: resolves the caller (root ADMIN_TOKEN,
// compared in constant time, or an admin token found by its SHA-256) and checks its role against
// auth/permissions.ts before any route runs.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { GatewayError } from '../errors';
import { tokensMatch } from './admin';
import { findAdminTokenByHash, touchAdminToken } from './admin-token-store';
import { presentedKey, sha256Hex } from './gateway-key';
import { permitted } from './permissions';
import { type Principal, ROOT } from './principal';
import { insufficientRole } from './team-scope';

/** Admin tokens look like `tga-` + 192 random bits, so they are never mistaken for gateway keys. */
export const ADMIN_TOKEN_PATTERN = /^tga-[A-Za-z0-9_-]{32}$/;
/** last_used_at is written at most this often per token. */
const TOUCH_MS = 60_000;

const invalidToken = () =>
  new GatewayError(401, 'authentication_error', 'invalid_admin_token', 'Invalid or missing admin token.');

export const adminPrincipal = () =>
  createMiddleware<AppEnv>(async function adminPrincipal(c, next) {
    const presented = presentedKey(c.req.raw.headers);
    const root = c.env.ADMIN_TOKEN;
    let principal: Principal | undefined;
    // Without the secret the whole admin API is off, scoped tokens included: removing it is how an
    // operator shuts the API down.
    if (!root) {
      throw new GatewayError(
        401,
        'authentication_error',
        'admin_disabled',
        'The admin API is disabled: set the ADMIN_TOKEN secret (npm start does this for you locally).',
      );
    }
    if (presented && (await tokensMatch(presented, root))) principal = ROOT;
    else if (presented && ADMIN_TOKEN_PATTERN.test(presented)) {
      const token = await findAdminTokenByHash(c.env.DB, await sha256Hex(presented));
      if (token && token.revokedAt === null) {
        principal = { id: token.id, name: token.name, role: token.role, teamId: token.teamId };
        const now = Date.now();
        if (now - (token.lastUsedAt ?? 0) >= TOUCH_MS)
          c.executionCtx.waitUntil(touchAdminToken(c.env.DB, token.id, now).catch(() => {}));
      }
    }
    if (!principal) throw invalidToken();
    if (!permitted(principal, c.req.method, c.req.path)) {
      throw insufficientRole(
        `This admin token's role (${principal.role}) does not allow ${c.req.method} ${c.req.path}.`,
      );
    }
    c.set('principal', principal);
    await next();
  });
