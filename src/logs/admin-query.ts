// Query-string parsing for /admin/logs and /admin/analytics (and the time filters of /admin/audit):
// every refusal is a 400 naming the parameter. Pure: the clock comes in as `now`.
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

const TIME_FORMS = `an ISO 8601 date-time with a zone (2026-05-01T00:00:00Z), a date (2026-05-01, UTC), or milliseconds since the epoch (at most ${MAX_TIME_MS})`;
const DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|([+-])(\d{2}):?(\d{2})))?$/i;

/**
 * ISO 8601 with a zone (`2026-05-01T00:00:00Z`), a date (`2026-05-01`, UTC) or ms since the epoch,
 * for every admin time filter (/admin/logs, /admin/analytics, /admin/audit). Not `Date.parse` alone:
 * it rolls an impossible date over (`2026-02-30` is 2 March) and reads other forms as it pleases.
 */
export function parseTime(value: string, param: string): number {
  const ms = /^\d{1,16}$/.test(value) ? Number(value) : isoTime(value, param);
  // Past what a JavaScript date can hold (±8.64e15 ms), a time cannot be read back as a date.
  if (ms === undefined || Math.abs(ms) > MAX_TIME_MS)
    throw invalidRequest(`Invalid '${param}': expected ${TIME_FORMS}.`, param);
  return ms;
}

/** A date or zoned date-time whose fields all exist: no month 13, 30 February or hour 25. */
function isoTime(value: string, param: string): number | undefined {
  const match = DATE_TIME.exec(value);
  if (!match) return undefined;
  const [, date, hour = '00', minute = '00', second = '00', fraction = '', , sign, zoneHours, zoneMinutes] =
    match;
  // Its fields in canonical UTC form, which a real time reads back unchanged.
  const fields = `${date}T${hour}:${minute}:${second}.${fraction.slice(0, 3).padEnd(3, '0')}Z`;
  const ms = Date.parse(fields);
  if (
    Number.isNaN(ms) ||
    new Date(ms).toISOString() !== fields ||
    Number(zoneHours ?? 0) > 23 ||
    Number(zoneMinutes ?? 0) > 59
  )
    throw invalidRequest(`Invalid '${param}': there is no such date or time as '${value}'.`, param);
  const offsetMinutes = Number(zoneHours ?? 0) * 60 + Number(zoneMinutes ?? 0);
  return ms - (sign === '-' ? -1 : 1) * offsetMinutes * 60_000;
}

/** `since` and `until`, each optional; both given, `since` must come first. */
export function parseTimeRange(params: Record<string, string | undefined>): {
  since?: number;
  until?: number;
} {
  const since = params.since === undefined ? undefined : parseTime(params.since, 'since');
  const until = params.until === undefined ? undefined : parseTime(params.until, 'until');
  if (since !== undefined && until !== undefined && since >= until)
    throw invalidRequest("'since' must be earlier than 'until'.", 'since');
  return { ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) };
}

function parseStatus(value: string): StatusFilter {
  if (/^[1-5]\d\d$/.test(value)) return { kind: 'exact', status: Number(value) };
  if (/^[1-5]xx$/i.test(value)) return { kind: 'class', from: Number(value[0]) * 100 };
  if (value === 'error') return { kind: 'error' };
  if (value === 'ok') return { kind: 'ok' };
  if (value === 'cancelled') return { kind: 'cancelled' };
  throw invalidRequest(
    "Invalid 'status': use an HTTP status (429), a class (4xx), 'error', 'ok' or 'cancelled'.",
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
  const filter: LogFilter = parseTimeRange(params);
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
