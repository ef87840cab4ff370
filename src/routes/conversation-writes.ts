// The admission of a Conversations API write (routes/conversations.ts: create, update, add items):
// the same as a model request's (limits/admission.ts: from this isolate's lease of the key, else one
// round trip to its object and its team's), so each write counts one request against the key's and
// its team's RPM and the items it stores against their TPM (item-tokens.ts) — without a model, so no
// allowlist applies and no budget is checked or charged. Refused, it is the 429 a model request
// gets; admitted, its answer (an error too) carries the same x-ratelimit-* headers.
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import { withHeaders } from '../errors';
import type { Admission } from '../limits/admission';
import { rateLimitHeaders } from '../limits/rate-headers';
import { admitRoute } from './route-admit';

/**
 * Admits the write of `tokens` (its items'; 0 for metadata alone) and runs it. A write that fails
 * (an unknown conversation, a duplicate item id, D1) stored nothing: its tokens go back, and its
 * request slot stays taken, as a model request's does when no provider answered it.
 */
export async function admittedWrite(
  c: Context<AppEnv>,
  limits: GatewayConfig['limits'],
  tokens: number,
  write: (admitted: Admission) => Promise<Response>,
): Promise<Response> {
  const admitted = await admitRoute(c, limits, { model: null, tokens, costUsd: 0, inputParam: 'items' });
  // Its log row keeps no body (none is given it), whatever the key's logBodies says.
  c.get('log').admitted({ ...admitted.key, logBodies: false });
  const headers = rateLimitHeaders(admitted.rate);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  try {
    return await write(admitted);
  } catch (error) {
    admitted.settle({ tokens: 0, costUsd: 0 });
    throw withHeaders(error, new Headers(headers));
  }
}
