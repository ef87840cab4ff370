// GET /v1/responses/{id} — a response the key stored (POST /v1/responses, store true or absent), as
// it was answered; DELETE /v1/responses/{id} — removes it, answering OpenAI's deleted shape. Only the
// key that stored a response sees it: another key's, expired, deleted or never stored is one 404.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { GatewayError } from '../errors';
import { usableKey } from '../limits/usable-key';
import { deleteResponseOfKey, responseOfKey } from '../responses-store/store';

export const storedResponses = new Hono<AppEnv>()
  .get('/:id', async (c) => {
    const id = c.req.param('id');
    const { policy } = await usableKey(c);
    const stored = await responseOfKey(c.env.DB, id, policy.id, Date.now());
    if (!stored) throw responseNotFound(id);
    return c.json(stored.response);
  })
  .delete('/:id', async (c) => {
    const id = c.req.param('id');
    const { policy } = await usableKey(c);
    if (!(await deleteResponseOfKey(c.env.DB, id, policy.id, Date.now()))) throw responseNotFound(id);
    return c.json({ id, object: 'response', deleted: true });
  });

const responseNotFound = (id: string) =>
  new GatewayError(404, 'invalid_request_error', null, `Response with id '${id}' not found.`);
