// Analytics over request_logs, all in SQL: totals, one group per model/provider/key/team/day/hour,
// and a gap-free time series. Latency percentiles are nearest-rank values (p is the latency at rank
// ceil(p/100 · n) of the group's served requests), read from a histogram of three significant
// digits built in SQL (SQLite has no percentile aggregate; see percentilesSql).
import { IS_ERROR, type LogFilter, whereClause } from './store';

export const GROUP_BYS = ['model', 'provider', 'key', 'team', 'day', 'hour'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];
export const INTERVALS = ['minute', 'hour', 'day'] as const;
export type Interval = (typeof INTERVALS)[number];
export const INTERVAL_MS: Record<Interval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

const GROUP_EXPR: Record<GroupBy | Interval | 'all', string> = {
  all: "'all'",
  model: 'model',
  provider: 'provider',
  key: 'key_id',
  team: 'team_id',
  day: `(time / ${INTERVAL_MS.day}) * ${INTERVAL_MS.day}`,
  hour: `(time / ${INTERVAL_MS.hour}) * ${INTERVAL_MS.hour}`,
  minute: `(time / ${INTERVAL_MS.minute}) * ${INTERVAL_MS.minute}`,
};

/** Latency is measured on answered requests: not errors, not streams the client cancelled. */
const SERVED = `NOT ${IS_ERROR} AND cancelled = 0`;
/**
 * Lookups that count towards the hit rate: not one the gateway refused after it (the key's object
 * refusing the reservation: over budget, revoked, unreachable) or whose client left before an
 * answer (a 499) — hit or miss alike, so refusals neither lower nor raise the rate. A miss that
 * failed upstream still counts: the cache could not answer it.
 */
const REFUSED_AFTER_LOOKUP = `(status = 499 OR COALESCE(error_code, '') IN ('budget_exceeded', 'invalid_api_key', 'limits_unavailable', 'limits_overloaded'))`;
/** Answered from the cache (a hit can only fail by being refused, or its client leaving). */
const CACHE_HIT = `cache IN ('hit-exact', 'hit-semantic') AND status < 400 AND error_code IS NULL`;
const CACHE_MISS = `cache = 'miss' AND NOT ${REFUSED_AFTER_LOOKUP}`;

export interface Metrics {
  requests: number;
  errors: number;
  errorRate: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  totalTokens: number;
  costUsd: number;
  savedUsd: number;
  cacheHits: number;
  cacheMisses: number;
  /** hits ÷ (hits + misses): requests that skipped the cache do not count; null when none looked. */
  cacheHitRate: number | null;
  cancelled: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export interface AnalyticsQuery {
  filter: LogFilter & { since: number; until: number };
  groupBy: GroupBy;
  interval: Interval;
}

export interface AnalyticsResult {
  since: string;
  until: string;
  groupBy: GroupBy;
  interval: Interval;
  totals: Metrics;
  groups: (Metrics & { key: string | null })[];
  series: (Metrics & { t: string })[];
}

type SumRow = { g: string | number | null } & Record<string, number | null>;
type PercentileRow = { g: string | number | null; p50: number | null; p95: number | null };

function sumsSql(group: string, where: string): string {
  return `SELECT ${group} AS g, COUNT(*) AS requests,
      SUM(CASE WHEN ${IS_ERROR} THEN 1 ELSE 0 END) AS errors,
      SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
      SUM(cached_tokens) AS cached_tokens, SUM(cost_usd) AS cost_usd, SUM(saved_usd) AS saved_usd,
      SUM(CASE WHEN ${CACHE_HIT} THEN 1 ELSE 0 END) AS cache_hits,
      SUM(CASE WHEN ${CACHE_MISS} THEN 1 ELSE 0 END) AS cache_misses,
      SUM(cancelled) AS cancelled
    FROM request_logs ${where} GROUP BY g`;
}

/**
 * Latency to three significant digits: exact below 1 s, then in steps of 10 ms, 100 ms, 1 s… (the
 * bucket's lower bound; `latencyValue` reports its middle, within 0.5 % of any latency in it).
 */
const LATENCY_BUCKET = `CASE WHEN latency_ms < 1000 THEN latency_ms
      WHEN latency_ms < 10000 THEN latency_ms / 10 * 10
      WHEN latency_ms < 100000 THEN latency_ms / 100 * 100
      WHEN latency_ms < 1000000 THEN latency_ms / 1000 * 1000
      ELSE latency_ms / 10000 * 10000 END`;

/**
 * p50 and p95 per group, nearest-rank over a latency histogram: the table's rows are only counted
 * into (group, bucket) cells, a hash aggregate; the cells, far fewer than the rows, are what get
 * ranked. Ranking the rows themselves sorted every row of the range (seconds per million rows).
 */
function percentilesSql(group: string, where: string): string {
  const served = where ? `${where} AND ${SERVED}` : `WHERE ${SERVED}`;
  return `SELECT g, MIN(CASE WHEN cum * 100 >= n * 50 THEN b END) AS p50,
      MIN(CASE WHEN cum * 100 >= n * 95 THEN b END) AS p95
    FROM (SELECT g, b, SUM(c) OVER (PARTITION BY g ORDER BY b ROWS UNBOUNDED PRECEDING) AS cum,
            SUM(c) OVER (PARTITION BY g) AS n
          FROM (SELECT ${group} AS g, ${LATENCY_BUCKET} AS b, COUNT(*) AS c
                FROM request_logs ${served} GROUP BY g, b))
    GROUP BY g`;
}

/** A latency bucket's reported value: itself below 1 s, else the middle of its step. */
export function latencyValue(bucket: number | null): number | null {
  if (bucket === null || bucket < 1000) return bucket;
  const step = 10 ** (Math.floor(Math.log10(bucket)) - 2);
  return bucket + Math.floor(Math.min(step, 10_000) / 2);
}

export function bucketCount(since: number, until: number, interval: Interval): number {
  const step = INTERVAL_MS[interval];
  return Math.ceil((until - Math.floor(since / step) * step) / step);
}

export async function queryAnalytics(db: D1Database, query: AnalyticsQuery): Promise<AnalyticsResult> {
  const where = whereClause(query.filter);
  const grouped = (group: GroupBy | Interval | 'all') => [
    db.prepare(sumsSql(GROUP_EXPR[group], where.sql)).bind(...where.binds),
    db.prepare(percentilesSql(GROUP_EXPR[group], where.sql)).bind(...where.binds),
  ];
  const results = await db.batch([...grouped('all'), ...grouped(query.groupBy), ...grouped(query.interval)]);
  const [totalSums, totalPct, groupSums, groupPct, seriesSums, seriesPct] = results.map(
    (r) => r.results as unknown[],
  ) as [SumRow[], PercentileRow[], SumRow[], PercentileRow[], SumRow[], PercentileRow[]];

  const totals = combine(totalSums, totalPct).get('all') ?? emptyMetrics();
  const timeGroup = query.groupBy === 'day' || query.groupBy === 'hour';
  const groups = [...combine(groupSums, groupPct)].map(([key, metrics]) => ({
    key: key === null ? null : timeGroup ? new Date(Number(key)).toISOString() : String(key),
    ...metrics,
  }));
  if (timeGroup) groups.sort((a, b) => String(a.key).localeCompare(String(b.key)));
  else groups.sort((a, b) => b.requests - a.requests || String(a.key).localeCompare(String(b.key)));

  return {
    since: new Date(query.filter.since).toISOString(),
    until: new Date(query.filter.until).toISOString(),
    groupBy: query.groupBy,
    interval: query.interval,
    totals,
    groups,
    series: fillSeries(combine(seriesSums, seriesPct), query),
  };
}

function combine(sums: SumRow[], percentiles: PercentileRow[]): Map<string | number | null, Metrics> {
  const latency = new Map(percentiles.map((p) => [p.g, p]));
  const out = new Map<string | number | null, Metrics>();
  for (const row of sums) {
    const p = latency.get(row.g);
    out.set(row.g, toMetrics(row, latencyValue(p?.p50 ?? null), latencyValue(p?.p95 ?? null)));
  }
  return out;
}

function toMetrics(row: Record<string, number | null | string>, p50: number | null, p95: number | null) {
  const n = (name: string) => Number(row[name] ?? 0);
  const requests = n('requests');
  const hits = n('cache_hits');
  const misses = n('cache_misses');
  const inputTokens = n('input_tokens');
  const outputTokens = n('output_tokens');
  return {
    requests,
    errors: n('errors'),
    errorRate: requests ? round(n('errors') / requests, 6) : 0,
    inputTokens,
    outputTokens,
    cachedTokens: n('cached_tokens'),
    totalTokens: inputTokens + outputTokens,
    costUsd: round(n('cost_usd'), 10),
    savedUsd: round(n('saved_usd'), 10),
    cacheHits: hits,
    cacheMisses: misses,
    cacheHitRate: hits + misses ? round(hits / (hits + misses), 6) : null,
    cancelled: n('cancelled'),
    latencyP50Ms: p50,
    latencyP95Ms: p95,
  } satisfies Metrics;
}

function emptyMetrics(): Metrics {
  return toMetrics({}, null, null);
}

/** One entry per interval from the bucket holding `since` to the one holding `until`, zeros where empty. */
function fillSeries(buckets: Map<string | number | null, Metrics>, query: AnalyticsQuery) {
  const step = INTERVAL_MS[query.interval];
  const series: (Metrics & { t: string })[] = [];
  for (let t = Math.floor(query.filter.since / step) * step; t < query.filter.until; t += step) {
    series.push({ t: new Date(t).toISOString(), ...(buckets.get(t) ?? emptyMetrics()) });
  }
  return series;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
