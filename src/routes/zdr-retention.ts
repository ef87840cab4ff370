// What a zero-retention key's request may not ask its provider to keep (README "Zero-retention keys").
import { type GatewayError, zdrFeatureRefused, zdrStoreRefused } from '../errors';
import { isRecord } from '../json-record';
import type { NativeApi } from '../providers/types';
import { retainedFeature } from './zdr-features';

/** The request fields a zero-retention key's request may be refused for, as `param` names them. */
export type RetentionParam = 'store' | 'conversation' | 'prompt_cache_retention' | 'prompt_cache_options.ttl';

/**
 * OpenAI's default (and, so far, only) `prompt_cache_options.ttl`: asking for it asks for nothing
 * the request would not get without it.
 */
const DEFAULT_CACHE_TTL = '30m';

/**
 * The field of a request that asks its provider to keep it beyond the answer, if one does:
 * - `store: true`: OpenAI's stored completions (kept, and shown in its dashboard), a stored response
 *   (`storeAsked`: a translated request's, which its chat body does not carry); a conversation a
 *   Responses request extends (`storeAsked` 'conversation');
 * - `prompt_cache_retention` other than `in_memory` (`24h`): extended prompt caching, which keeps
 *   the prompt's key/value tensors on the provider's GPU-local storage for up to 24 hours instead of
 *   in memory only. OpenAI derives them from the prompt and keeps them past the request, and sets a
 *   ZDR organization's default to `in_memory`: not what a zero-retention key may ask for. A value
 *   the gateway does not know is refused too; no value leaves it to the provider.
 * - `prompt_cache_options.ttl` other than `30m`: the minimum lifetime of the prompt cache entries
 *   the request writes (GPT-5.6 on). `30m` is OpenAI's default and the only value it takes, so it
 *   passes; any other asks for the cache to outlive that default (Azure's SDKs already name `12h`)
 *   and is refused as an unknown `prompt_cache_retention` is.
 * Anthropic's `cache_control` (`ttl: "1h"` too) and a Gemini `cachedContent` are not here: Anthropic
 * counts prompt caching, either lifetime, under its zero data retention, and `cachedContent` names a
 * cache made beforehand through an API the gateway does not serve; it keeps nothing of this request.
 */
export function retentionAsked(
  body: Record<string, unknown>,
  storeAsked: RetentionParam | undefined,
): RetentionParam | undefined {
  if (body.store === true) return 'store';
  if (storeAsked) return storeAsked;
  const cacheRetention = body.prompt_cache_retention;
  if (cacheRetention != null && cacheRetention !== 'in_memory') return 'prompt_cache_retention';
  const cacheOptions = body.prompt_cache_options;
  const ttl = isRecord(cacheOptions) ? cacheOptions.ttl : undefined;
  if (ttl != null && ttl !== DEFAULT_CACHE_TTL) return 'prompt_cache_options.ttl';
  return undefined;
}

/**
 * The refusal of a zero-retention key's request, if it asks its provider to keep it (retentionAsked)
 * or uses a feature whose data the provider keeps (retainedFeature, zdr-features.ts); `native`: the
 * request in its own API's form, when it goes natively.
 */
export function zdrRefusal(
  body: Record<string, unknown>,
  storeAsked: RetentionParam | undefined,
  native: { api: NativeApi; body: Record<string, unknown> } | undefined,
): GatewayError | undefined {
  const kept = retentionAsked(body, storeAsked);
  if (kept) return zdrStoreRefused(kept);
  const feature = retainedFeature(body, native);
  return feature && zdrFeatureRefused(feature);
}
