// Client authentication, first half: a present, well-formed gateway key, hashed. No I/O here —
// the key's Durable Object decides (in the one admission round trip) whether it is valid.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { invalidApiKey } from '../errors';
import { looksLikeGatewayKey, presentedKey, sha256Hex } from './gateway-key';

export const gatewayKeyAuth = () =>
  createMiddleware<AppEnv>(async function gatewayKeyAuth(c, next) {
    const key = presentedKey(c.req.raw.headers);
    if (!key) {
      throw invalidApiKey(
        "You didn't provide an API key. Send your gateway key as 'Authorization: Bearer tg-…' (or in 'x-api-key').",
      );
    }
    if (!looksLikeGatewayKey(key))
      throw invalidApiKey('Incorrect API key provided: gateway keys look like tg-… .');
    c.set('keyHash', await sha256Hex(key));
    await next();
  });
