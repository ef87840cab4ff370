// The client's cache controls: `x-tollgate-cache: skip | refresh` and `x-tollgate-cache-ttl`.
// Parsed before admission, so a malformed header costs the caller nothing but a 400.
import { invalidRequest } from '../errors';

export interface CacheControl {
  /** skip: neither read nor write; refresh: don't read, do write. */
  mode: 'default' | 'skip' | 'refresh';
  ttlSeconds?: number;
}

export const CACHE_HEADER = 'x-tollgate-cache';
export const TTL_HEADER = 'x-tollgate-cache-ttl';

export function readCacheControl(headers: Headers, maxTtlSeconds: number): CacheControl {
  const control: CacheControl = { mode: 'default' };
  const mode = headers.get(CACHE_HEADER)?.trim().toLowerCase();
  if (mode === 'skip' || mode === 'refresh') control.mode = mode;
  else if (mode !== undefined) {
    throw invalidRequest(
      `Invalid '${CACHE_HEADER}' header: expected 'skip' or 'refresh'.`,
      CACHE_HEADER,
      'invalid_header',
    );
  }
  const ttl = headers.get(TTL_HEADER)?.trim();
  if (ttl !== undefined) {
    const seconds = /^\d{1,10}$/.test(ttl) ? Number(ttl) : Number.NaN;
    if (!(seconds >= 1 && seconds <= maxTtlSeconds)) {
      throw invalidRequest(
        `Invalid '${TTL_HEADER}' header: expected whole seconds from 1 to ${maxTtlSeconds}.`,
        TTL_HEADER,
        'invalid_header',
      );
    }
    control.ttlSeconds = seconds;
  }
  return control;
}
