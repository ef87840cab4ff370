// Admin authentication: the root ADMIN_TOKEN secret, compared in constant time.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { GatewayError } from '../errors';
import { presentedKey } from './gateway-key';

const encoder = new TextEncoder();

/** Hashing both sides first makes the comparison constant-time regardless of the lengths. */
export async function tokensMatch(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(presented)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export const adminAuth = () =>
  createMiddleware<AppEnv>(async function adminAuth(c, next) {
    const expected = c.env.ADMIN_TOKEN;
    if (!expected) {
      throw new GatewayError(
        401,
        'authentication_error',
        'admin_disabled',
        'The admin API is disabled: set the ADMIN_TOKEN secret (npm start does this for you locally).',
      );
    }
    const presented = presentedKey(c.req.raw.headers);
    if (!presented || !(await tokensMatch(presented, expected))) {
      throw new GatewayError(
        401,
        'authentication_error',
        'invalid_admin_token',
        'Invalid or missing admin token.',
      );
    }
    await next();
  });
