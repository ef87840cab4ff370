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
      throw invalidApiKey(
        "Incorrect API key provided: a gateway key is 'tg-' followed by 32 letters, digits, '-' or '_'.",
      );
    c.set('keyHash', hashes.get(key) ?? (await remember(key)));
    await next();
  });

/**
 * Hashes of the keys this isolate saw lately: a busy client sends the same key on every request,
 * and hashing it each time was a measurable share of a request's CPU. Bounded; plain strings only
 * (requests share no I/O objects). Holds no more than the isolate sees anyway: the keys themselves.
 */
const hashes = new Map<string, string>();
const MAX_HASHES = 1000;

async function remember(key: string): Promise<string> {
  const hash = await sha256Hex(key);
  if (hashes.size >= MAX_HASHES) hashes.clear();
  hashes.set(key, hash);
  return hash;
}
