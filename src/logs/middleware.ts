// requestLog(): on /v1/*, before authentication, so every request — refused, failed or served —
// leaves exactly one log row. It creates the request's RequestLog (`c.get('log')`) for the routes
// to fill, validates `x-tollgate-metadata`, and reports the response once it exists. Writing the
// row happens in ctx.waitUntil, never on the response path.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { looksLikeGatewayKey, presentedKey, sha256Hex } from '../auth/gateway-key';
import type { AppEnv } from '../env';
import { CLIENT_CLOSED, GatewayError } from '../errors';
import { attemptsOf } from '../routing/failures';
import { METADATA_HEADER, metadataOrThrow } from './metadata';
import { RequestLog } from './request-log';
import { deliverLog } from './sink';

export const requestLog = () =>
  createMiddleware<AppEnv>(async function requestLog(c, next) {
    const ctx = executionContext(c);
    // The request's work runs to its row even if the client leaves first (its settle included):
    // the runtime may otherwise drop a disconnected request's pending work.
    let committed = () => {};
    ctx?.waitUntil(
      new Promise<void>((resolve) => {
        committed = resolve;
      }),
    );
    const log = new RequestLog(
      {
        id: c.get('requestId'),
        clientRequestId: c.get('clientRequestId'),
        method: c.req.method,
        path: c.req.path,
        startedAt: Date.now(),
      },
      (row, keyHash, admitted) => {
        const delivered = deliverLog(c.env, row, keyHash, admitted);
        if (ctx) ctx.waitUntil(delivered);
        committed();
      },
    );
    c.set('log', log);
    try {
      log.metadata(metadataOrThrow(c.req.header(METADATA_HEADER)));
    } catch (error) {
      // Authentication has not run yet: hash the key here so the row still names it.
      const key = presentedKey(c.req.raw.headers);
      const keyHash = key && looksLikeGatewayKey(key) ? await sha256Hex(key) : undefined;
      if (error instanceof GatewayError)
        log.respond({ status: error.status, errorCode: error.code ?? error.type, keyHash });
      throw error;
    }

    await next();

    log.guardrails(c.get('guardrails'));
    const attempts = attemptsOf(c.error);
    if (attempts) log.attempts(attempts);
    // Refused by the key's object, which named the key (its zdr is read with the row), or said there is none.
    const refused = c.error instanceof GatewayError ? c.error.refusedKey : undefined;
    if (refused) log.refused(refused);
    log.respond({
      status: c.res.status,
      errorCode: await errorCode(c.res, c.error),
      keyHash: refused === null ? undefined : c.get('keyHash'),
      cacheHeader: c.res.headers.get('x-tollgate-cache'),
      cacheRequest: c.req.header('x-tollgate-cache') ?? null,
    });
  });

function executionContext(c: Context<AppEnv>): Pick<ExecutionContext, 'waitUntil'> | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined; // app.request() in a unit test: no context, the row is still built
  }
}

/** The wire error's code (or type when it has none); read from the body when no error was thrown (404s). */
async function errorCode(response: Response, error: Error | undefined): Promise<string | null> {
  if (response.status < 400) return null;
  if (error instanceof GatewayError) return error.code ?? error.type;
  if (error) return response.status === 499 ? CLIENT_CLOSED : 'internal_error'; // as app.onError answered
  try {
    const body = (await response.clone().json()) as { error?: { code?: unknown; type?: unknown } };
    const code = body.error?.code ?? body.error?.type;
    return typeof code === 'string' ? code : `http_${response.status}`;
  } catch {
    return `http_${response.status}`;
  }
}
