// What a zero-retention key's request may not ask its provider to keep (README "Zero-retention keys").

/**
 * The field of a request that asks its provider to keep it beyond the answer, if one does:
 * - `store: true`: OpenAI's stored completions (kept, and shown in its dashboard), a stored response
 *   (`storeAsked`: a translated request's, which its chat body does not carry);
 * - `prompt_cache_retention` other than `in_memory` (`24h`): extended prompt caching, which keeps
 *   the prompt's key/value tensors on the provider's GPU-local storage for up to 24 hours instead of
 *   in memory only. OpenAI derives them from the prompt and keeps them past the request, and sets a
 *   ZDR organization's default to `in_memory`: not what a zero-retention key may ask for. A value
 *   the gateway does not know is refused too; no value leaves it to the provider.
 */
export function retentionAsked(
  body: Record<string, unknown>,
  storeAsked: boolean,
): 'store' | 'prompt_cache_retention' | undefined {
  if (body.store === true || storeAsked) return 'store';
  const cacheRetention = body.prompt_cache_retention;
  if (cacheRetention != null && cacheRetention !== 'in_memory') return 'prompt_cache_retention';
  return undefined;
}
