// Wiring only: middleware order, routes, the one error handler. Exports the Durable Object classes.
import { Hono } from 'hono';
import { adminAuth } from './auth/admin';
import { gatewayKeyAuth } from './auth/gateway-key-auth';
import type { AppEnv } from './env';
import { GatewayError, routeNotFound } from './errors';
import { requestId } from './middleware/request-id';
import { config } from './routes/admin/config';
import { keys } from './routes/admin/keys';
import { teams } from './routes/admin/teams';
import { chatCompletions } from './routes/chat-completions';
import { embeddings } from './routes/embeddings';
import { models } from './routes/models';

export { KeyObject } from './limits/key-object';

const app = new Hono<AppEnv>();

app.use('*', requestId());

app.use('/v1/*', gatewayKeyAuth());
app.route('/v1/chat/completions', chatCompletions);
app.route('/v1/embeddings', embeddings);
app.route('/v1/models', models);

app.use('/admin/*', adminAuth());
app.route('/admin/config', config);
app.route('/admin/keys', keys);
app.route('/admin/teams', teams);

app.get('/', (c) => c.json({ name: 'tollgate', ok: true }));

app.notFound((c) => routeNotFound(c.req.method, c.req.path).toResponse());

app.onError((error, c) => {
  if (error instanceof GatewayError) return error.toResponse();
  // Anything else is a gateway bug or an infrastructure failure: log it, answer without internals.
  console.error('unhandled error', c.get('requestId'), error);
  return new GatewayError(
    500,
    'api_error',
    'internal_error',
    `The gateway failed to process the request (request id ${c.get('requestId') ?? 'unknown'}).`,
  ).toResponse();
});

export default app;
