// Query-string parsing for /admin/logs and /admin/analytics: every refusal is a 400 naming the
// parameter. Pure: the clock comes in as `now`.
import { invalidRequest } from '../errors';
import { bucketCount, GROUP_BYS, type GroupBy, INTERVALS, type Interval } from './analytics';
import { CACHE_STATUSES, type CacheStatus } from './row';
import { GUARDRAIL_FILTERS, type GuardrailFilter, type LogFilter, type StatusFilter } from './store';

export const FILTER_PARAMS = [
  'key',
  'team',
  'model',
  'provider',
  'status',
  'cache',
  'since',
  'until',
] as const;
/** Filters of /admin/logs only: they pick rows, not something analytics could group. */
export const LOG_ONLY_PARAMS = ['requestId', 'guardrail'] as const;
const DAY_MS = 86_400_000;
/** Series longer than this are refused: ask for a coarser interval or a shorter range. */
export const MAX_BUCKETS = 1000;

const MAX_TIME_MS = 8.64e15;

/** ISO 8601 with a zone (`2026-05-01T00:00:00Z`), a date (`2026-05-01`, UTC) or ms since the epoch. */
export function parseTime(value: string, param: string): number {
  let ms = Number.NaN;
  if (/^\d{1,16}$/.test(value)) ms = Number(value);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) ms = Date.parse(`${value}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(value)) ms = Date.parse(value);
  // Past what a JavaScript date can hold (±8.64e15 ms), a time cannot be read back as a date.
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS)
    throw invalidRequest(
      `Invalid '${param}': expected an ISO 8601 date-time with a zone (2026-05-01T00:00:00Z), a date, or milliseconds since the epoch (at most ${MAX_TIME_MS}).`,
      param,
    );
  return ms;
}

function parseStatus(value: string): StatusFilter {
  if (/^[1-5]\d\d$/.test(value)) return { kind: 'exact', status: Number(value) };
  if (/^[1-5]xx$/i.test(value)) return { kind: 'class', from: Number(value[0]) * 100 };
  if (value === 'error') return { kind: 'error' };
  if (value === 'ok') return { kind: 'ok' };
  throw invalidRequest(
    "Invalid 'status': use an HTTP status (429), a class (4xx), 'error' or 'ok'.",
    'status',
  );
}

function nonEmpty(value: string, param: string): string {
  // As long as anything stored may be (a model name is up to 256 characters).
  if (value.length === 0 || value.length > 1000)
    throw invalidRequest(`Invalid '${param}': expected 1 to 1000 characters.`, param);
  return value;
}

export function parseLogFilter(params: Record<string, string>): LogFilter {
  const filter: LogFilter = {};
  if (params.since !== undefined) filter.since = parseTime(params.since, 'since');
  if (params.until !== undefined) filter.until = parseTime(params.until, 'until');
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until)
    throw invalidRequest("'since' must be earlier than 'until'.", 'since');
  for (const name of ['key', 'team', 'model', 'provider'] as const) {
    const value = params[name];
    if (value !== undefined) filter[name] = nonEmpty(value, name);
  }
  if (params.requestId !== undefined) filter.requestId = nonEmpty(params.requestId, 'requestId');
  if (params.guardrail !== undefined) {
    if (!GUARDRAIL_FILTERS.includes(params.guardrail as GuardrailFilter))
      throw invalidRequest(`Invalid 'guardrail': use one of ${GUARDRAIL_FILTERS.join(', ')}.`, 'guardrail');
    filter.guardrail = params.guardrail as GuardrailFilter;
  }
  if (params.status !== undefined) filter.status = parseStatus(params.status);
  if (params.cache !== undefined) {
    if (!CACHE_STATUSES.includes(params.cache as CacheStatus))
      throw invalidRequest(`Invalid 'cache': use one of ${CACHE_STATUSES.join(', ')}.`, 'cache');
    filter.cache = params.cache as CacheStatus;
  }
  return filter;
}

export interface AnalyticsParams {
  filter: LogFilter & { since: number; until: number };
  groupBy: GroupBy;
  interval: Interval;
}

/** Defaults: the last 24 hours, grouped by model; series by minute up to 6 hours, hourly up to 3 days, daily beyond. */
export function parseAnalyticsParams(params: Record<string, string>, now: number): AnalyticsParams {
  const parsed = parseLogFilter(params);
  const until = parsed.until ?? now;
  const since = parsed.since ?? until - DAY_MS;
  if (since >= until) throw invalidRequest("'since' must be earlier than 'until'.", 'since');
  const groupBy = (params.groupBy ?? 'model') as GroupBy;
  if (!GROUP_BYS.includes(groupBy))
    throw invalidRequest(`Invalid 'groupBy': use one of ${GROUP_BYS.join(', ')}.`, 'groupBy');
  const span = until - since;
  const interval = (params.interval ??
    (span <= DAY_MS / 4 ? 'minute' : span <= 3 * DAY_MS ? 'hour' : 'day')) as Interval;
  if (!INTERVALS.includes(interval))
    throw invalidRequest(`Invalid 'interval': use one of ${INTERVALS.join(', ')}.`, 'interval');
  if (bucketCount(since, until, interval) > MAX_BUCKETS)
    throw invalidRequest(
      `The range holds more than ${MAX_BUCKETS} ${interval}s: shorten it${interval === 'day' ? '' : " or use a coarser 'interval'"}.`,
      'interval',
    );
  if (groupBy === 'hour' && bucketCount(since, until, 'hour') > MAX_BUCKETS)
    throw invalidRequest(`Grouping by hour is limited to ${MAX_BUCKETS} hours.`, 'groupBy');
  return { filter: { ...parsed, since, until }, groupBy, interval };
}
