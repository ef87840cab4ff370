// Names every request with a server-generated id (`c.var.requestId`): the log row's key, the budget
// reservation's id, the audit entry's request id. A client's `x-request-id` is never trusted for any of
// those — the same value sent twice must not overwrite a reservation or collapse two log rows — so a
// sane one is only kept (`c.var.clientRequestId`, logged beside the row) and echoed back.
import { createMiddleware } from 'hono/factory';
import { randomId } from '../auth/gateway-key';
import type { AppEnv } from '../env';

const ACCEPTABLE = /^[\w.:-]{1,128}$/;

/** The server id of the request, on every response. */
export const SERVER_ID_HEADER = 'x-tollgate-request-id';

export const requestId = () =>
  createMiddleware<AppEnv>(async function requestId(c, next) {
    const given = c.req.header('x-request-id');
    const client = given && ACCEPTABLE.test(given) ? given : undefined;
    const id = randomId('req');
    c.set('requestId', id);
    c.set('clientRequestId', client);
    await next();
    c.res.headers.set('x-request-id', client ?? id);
    c.res.headers.set(SERVER_ID_HEADER, id);
  });
