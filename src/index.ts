// Wiring only: middleware order, routes, the one error handler. Exports the Durable Object classes.
import { Hono } from 'hono';
import { adminPrincipal } from './auth/admin-principal';
import { gatewayKeyAuth } from './auth/gateway-key-auth';
import { sweepExpiredVectors } from './cache/vector-sweep';
import { sweepExpiredConversations } from './conversations-store/retention';
import { describeError, stackFrames } from './describe-error';
import type { AppEnv, Env } from './env';
import { clientClosed, GatewayError, isClientAbort } from './errors';
import { forgetLeases } from './limits/lease-book';
import { requestLog } from './logs/middleware';
import { runLogMaintenance } from './logs/retention';
import { browserAccess } from './middleware/browser-access';
import { requestId } from './middleware/request-id';
import { unservedRoute } from './middleware/route-methods';
import { sweepExpiredResponses } from './responses-store/retention';
import { analytics } from './routes/admin/analytics';
import { audit } from './routes/admin/audit';
import { config } from './routes/admin/config';
import { guardrails } from './routes/admin/guardrails';
import { keyRotation } from './routes/admin/key-rotation';
import { keys } from './routes/admin/keys';
import { logs } from './routes/admin/logs';
import { teams } from './routes/admin/teams';
import { tokens } from './routes/admin/tokens';
import { chatCompletions } from './routes/chat-completions';
import { conversations } from './routes/conversations';
import { embeddings } from './routes/embeddings';
import { images } from './routes/images';
import { anthropicErrors, countTokens, messagesApi } from './routes/messages';
import { models } from './routes/models';
import { responsesApi } from './routes/responses';
import { storedResponses } from './routes/responses-stored';

export { SemanticIndex } from './cache/index-object';
export { KeyObject } from './limits/key-object';
export { LogBuffer } from './logs/buffer';

const app = new Hono<AppEnv>();

app.use('*', requestId());

// Before logging and authentication: a browser's preflight carries no key and is not a request.
app.use('/v1/*', browserAccess());
// Before authentication, so refused requests are logged too.
app.use('/v1/*', requestLog());
// Before authentication, so that its refusals carry Anthropic's error words too (routes/messages.ts),
// as do the paths under it the gateway does not serve (batches). '/v1/messages/*' matches the
// route itself too.
app.use('/v1/messages/*', anthropicErrors());
app.use('/v1/*', gatewayKeyAuth());
app.route('/v1/chat/completions', chatCompletions);
// The Responses API is the chat route behind a translation of its body and answer (routes/responses.ts).
app.use('/v1/responses', responsesApi());
app.route('/v1/responses', chatCompletions);
// Responses stored by it, read and deleted by the key that stored them (routes/responses-stored.ts).
app.route('/v1/responses', storedResponses);
// OpenAI's Conversations API, whose items `conversation` on /v1/responses reads and extends (routes/conversations.ts).
app.route('/v1/conversations', conversations);
// Anthropic's Messages API, the same way (routes/messages.ts).
app.use('/v1/messages', messagesApi());
app.route('/v1/messages', chatCompletions);
app.route('/v1/messages/count_tokens', countTokens);
app.route('/v1/embeddings', embeddings);
app.route('/v1/images/generations', images);
app.route('/v1/models', models);

// Before the principal check, so that its refusals (401, 403) carry the headers too.
app.use('/admin/*', async (c, next) => {
  await next();
  // A key revoked or a limit lowered here binds this isolate's next request (src/limits/lease.ts);
  // a write refused to its sender (401, 403) changed nothing, and anyone can send those.
  if (c.req.method !== 'GET' && c.res.status !== 401 && c.res.status !== 403) forgetLeases();
  // Admin answers hold keys' names, logged bodies, spend: never kept by a browser or a proxy.
  c.res.headers.set('cache-control', 'no-store');
  c.res.headers.set('x-content-type-options', 'nosniff');
});
// Resolves root or an admin token and checks its role for the route (src/auth/permissions.ts).
app.use('/admin/*', adminPrincipal());
app.route('/admin/config', config);
app.route('/admin/guardrails', guardrails);
app.route('/admin/keys', keyRotation);
app.route('/admin/keys', keys);
app.route('/admin/teams', teams);
app.route('/admin/tokens', tokens);
app.route('/admin/audit', audit);
app.route('/admin/logs', logs);
app.route('/admin/analytics', analytics);

app.get('/', (c) => c.json({ name: 'tollgate', ok: true }));

const unserved = unservedRoute(app);
app.notFound((c) => unserved(c.req.method, c.req.path));

app.onError((error, c) => {
  if (error instanceof GatewayError) return error.toResponse();
  // The abort itself (an aborted read, fetch or wait) is the client's leaving, not a bug.
  if (isClientAbort(error, c.req.raw.signal)) return clientClosed().toResponse();
  // Anything else is a gateway bug or an infrastructure failure: log where it happened, answer
  // without internals. Not its message, which may quote the request or a provider's answer.
  console.error('unhandled error', c.get('requestId'), describeError(error), stackFrames(error));
  return new GatewayError(
    500,
    'api_error',
    'internal_error',
    `The gateway failed to process the request (request id ${c.get('requestId') ?? 'unknown'}).`,
  ).toResponse();
});

// Hono serves fetch; the cron flushes log buffers and enforces log, stored responses' and conversations' retention.
export default {
  fetch: app.fetch,
  // Awaited, not handed to waitUntil: a cron invocation may run for minutes while it is awaited,
  // but background work only ~30 s past the handler's end, which a long retention delete can outlast.
  async scheduled(controller, env, _ctx) {
    // Each on its own: a failing log upkeep must not keep expired vectors or responses from being
    // swept, nor the reverse; a failure still fails the invocation, so it shows in the cron's history.
    const results = await Promise.allSettled([
      runLogMaintenance(env, controller.scheduledTime),
      sweepExpiredVectors(env, controller.scheduledTime),
      sweepExpiredResponses(env, controller.scheduledTime),
      sweepExpiredConversations(env, controller.scheduledTime),
    ]);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  },
} satisfies ExportedHandler<Env>;
