// Echoes a sane client `x-request-id` or generates one; every response carries it.
import { createMiddleware } from 'hono/factory';
import { randomId } from '../auth/gateway-key';
import type { AppEnv } from '../env';

const ACCEPTABLE = /^[\w.:-]{1,128}$/;

export const requestId = () =>
  createMiddleware<AppEnv>(async function requestId(c, next) {
    const given = c.req.header('x-request-id');
    const id = given && ACCEPTABLE.test(given) ? given : randomId('req');
    c.set('requestId', id);
    await next();
    c.res.headers.set('x-request-id', id);
  });
