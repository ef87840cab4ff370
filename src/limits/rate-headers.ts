// A key's (or team's) rate windows as OpenAI's x-ratelimit-* headers.
import type { RateState, RateWindow } from './rate-state';

/** Per limit, the window with less room left: that is the one the client will hit first. */
export function tighter(a: RateState, b: RateState | undefined): RateState {
  if (!b) return a;
  const pick = (x?: RateWindow, y?: RateWindow) => (!x ? y : !y ? x : x.remaining <= y.remaining ? x : y);
  const requests = pick(a.requests, b.requests);
  const tokens = pick(a.tokens, b.tokens);
  return { ...(requests ? { requests } : {}), ...(tokens ? { tokens } : {}) };
}

/** OpenAI's header names; a limit the key does not have is not advertised. */
export function rateLimitHeaders(rate: RateState): Record<string, string> {
  const headers: Record<string, string> = {};
  const put = (suffix: 'requests' | 'tokens', window: RateWindow | undefined) => {
    if (!window) return;
    headers[`x-ratelimit-limit-${suffix}`] = String(window.limit);
    headers[`x-ratelimit-remaining-${suffix}`] = String(window.remaining);
    headers[`x-ratelimit-reset-${suffix}`] = formatDuration(window.resetMs);
  };
  put('requests', rate.requests);
  put('tokens', rate.tokens);
  return headers;
}

/** `850ms`, `12s`, `1m30s` — the duration notation of OpenAI's reset headers. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${seconds % 60}s`;
}
