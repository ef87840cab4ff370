// The admin API as the dashboard calls it: the token as a bearer, failures as ApiError with the
// gateway's message, lists read page by page, and the query of the selected time range.
import { state } from './state.js';

const RANGES = {
  '1h': 3_600_000,
  '6h': 21_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  '30d': 2_592_000_000,
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(path) {
  let response;
  try {
    response = await fetch(path, { headers: { authorization: `Bearer ${state.token}` } });
  } catch {
    throw new ApiError(0, 'The gateway could not be reached. Is it running?');
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: the message below says what happened
  }
  if (!response.ok) throw new ApiError(response.status, body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

/**
 * Every page of an admin list (keys, teams), up to a sane bound; the array's `truncated` says that
 * more were left unread at the bound, so a view can say it shows only part.
 */
export async function listAll(path, pages = 10) {
  const out = [];
  let cursor = null;
  const join = path.includes('?') ? '&' : '?';
  for (let page = 0; page < pages; page++) {
    const body = await api(`${path}${join}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...body.data);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  out.truncated = Boolean(cursor);
  return out;
}

export function rangeQuery() {
  const until = Date.now();
  const since = until - RANGES[state.range];
  return `since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`;
}

/** Keys and teams are extras: a token that may not list them still sees analytics and logs. */
export function optional(error) {
  if (error.status === 401) throw error;
  return null;
}
