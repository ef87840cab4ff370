// One request log row: its zod schema (it crosses the LogBuffer's storage and D1), and the mapping
// to and from the `request_logs` columns (migrations/0002_logs.sql, 0004_log_client_id_guardrails.sql,
// 0006_request_log_usage_detail.sql).
import * as z from 'zod';
import { parseUsageDetail, usageDetailSchema } from './usage-detail';

export const CACHE_STATUSES = ['hit-exact', 'hit-semantic', 'miss', 'skip'] as const;
export const cacheStatusSchema = z.enum(CACHE_STATUSES);
export type CacheStatus = z.infer<typeof cacheStatusSchema>;

const attemptSchema = z.looseObject({
  provider: z.string(),
  model: z.string(),
  status: z.number(),
  latencyMs: z.number(),
  retry: z.number(),
});

/** One guardrail rule that fired: its name, its action, how many matches — never the matched text. */
const guardrailHitSchema = z.object({
  rule: z.string(),
  action: z.enum(['flag', 'redact', 'block']),
  count: z.number().int().positive(),
});

export const logRowSchema = z.object({
  /** The server's request id (`req_…`), never the client's. */
  id: z.string(),
  /** The client's `x-request-id`, when it sent a sane one; not unique. (Default: rows buffered before it existed.) */
  clientRequestId: z.string().nullable().default(null),
  time: z.number().int(),
  method: z.string(),
  path: z.string(),
  keyId: z.string().nullable(),
  teamId: z.string().nullable(),
  /** As the client wrote it: an alias or `<provider>/<model>`. */
  model: z.string().nullable(),
  /** The target that served (or failed last); null when nothing was routed. */
  provider: z.string().nullable(),
  servedModel: z.string().nullable(),
  status: z.number().int(),
  errorCode: z.string().nullable(),
  attempts: z.array(attemptSchema),
  stream: z.boolean(),
  cache: cacheStatusSchema,
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  /**
   * What costUsd was computed from beyond the token counts above (tier, cache writes, audio, timed-out
   * prompts); null when nothing. (Default: rows buffered before it existed.)
   */
  usageDetail: usageDetailSchema.nullable().default(null),
  /** What a cache hit saved: the cost the answer had when it was first served. */
  savedUsd: z.number().nonnegative(),
  latencyMs: z.number().int().nonnegative(),
  /** Time to the first byte of a stream; null for JSON answers. */
  ttftMs: z.number().int().nonnegative().nullable(),
  metadata: z.record(z.string(), z.string()).nullable(),
  cancelled: z.boolean(),
  /** Zero-data-retention key: bodies are never kept, whatever logBodies says. */
  zdr: z.boolean(),
  /** The guardrail rules that fired, in report order; null when none did. */
  guardrails: z.array(guardrailHitSchema).nullable().default(null),
  requestBody: z.string().nullable(),
  responseBody: z.string().nullable(),
});
export type LogRow = z.infer<typeof logRowSchema>;

/** Column order of the INSERT; `toColumns` returns the values in this order. */
export const LOG_COLUMNS = [
  'id',
  'time',
  'method',
  'path',
  'key_id',
  'team_id',
  'model',
  'provider',
  'served_model',
  'status',
  'error_code',
  'attempts',
  'stream',
  'cache',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'cost_usd',
  'saved_usd',
  'latency_ms',
  'ttft_ms',
  'metadata',
  'cancelled',
  'zdr',
  'request_body',
  'response_body',
  'client_request_id',
  'guardrails',
  'usage_detail',
] as const;

export function toColumns(row: LogRow): (string | number | null)[] {
  return [
    row.id,
    row.time,
    row.method,
    row.path,
    row.keyId,
    row.teamId,
    row.model,
    row.provider,
    row.servedModel,
    row.status,
    row.errorCode,
    JSON.stringify(row.attempts),
    row.stream ? 1 : 0,
    row.cache,
    row.inputTokens,
    row.outputTokens,
    row.cachedTokens,
    row.costUsd,
    row.savedUsd,
    row.latencyMs,
    row.ttftMs,
    row.metadata ? JSON.stringify(row.metadata) : null,
    row.cancelled ? 1 : 0,
    row.zdr ? 1 : 0,
    row.requestBody,
    row.responseBody,
    row.clientRequestId,
    row.guardrails ? JSON.stringify(row.guardrails) : null,
    row.usageDetail ? JSON.stringify(row.usageDetail) : null,
  ];
}

/** Longer than any real value of a row's short text fields (models, paths, codes, ids). */
const SHORT_TEXT = 512;

/**
 * The row without its bodies, metadata and long texts. For a row too large for one SQLite value
 * (2 MB), which only a broken or hostile request could make, every field being bounded where it
 * is set: stored whole, it would fail its batch on every retry and hold back every row behind it.
 */
export function fittedRow(row: LogRow): LogRow {
  const short = (value: string) => (value.length > SHORT_TEXT ? `${value.slice(0, SHORT_TEXT)}…` : value);
  const shortOrNull = (value: string | null) => (value === null ? null : short(value));
  return {
    ...row,
    clientRequestId: shortOrNull(row.clientRequestId),
    path: short(row.path),
    model: shortOrNull(row.model),
    provider: shortOrNull(row.provider),
    servedModel: shortOrNull(row.servedModel),
    errorCode: shortOrNull(row.errorCode),
    attempts: row.attempts.slice(0, 50).map((attempt) => ({
      provider: short(attempt.provider),
      model: short(attempt.model),
      status: attempt.status,
      latencyMs: attempt.latencyMs,
      retry: attempt.retry,
    })),
    metadata: null,
    guardrails: row.guardrails?.slice(0, 50).map((hit) => ({ ...hit, rule: short(hit.rule) })) ?? null,
    requestBody: null,
    responseBody: null,
  };
}

const columnsSchema = z.object({
  id: z.string(),
  time: z.number(),
  method: z.string(),
  path: z.string(),
  key_id: z.string().nullable(),
  team_id: z.string().nullable(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  served_model: z.string().nullable(),
  status: z.number(),
  error_code: z.string().nullable(),
  attempts: z.string(),
  stream: z.number(),
  cache: z.string(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cached_tokens: z.number(),
  cost_usd: z.number(),
  saved_usd: z.number(),
  latency_ms: z.number(),
  ttft_ms: z.number().nullable(),
  metadata: z.string().nullable(),
  cancelled: z.number(),
  zdr: z.number(),
  request_body: z.string().nullable().optional(),
  response_body: z.string().nullable().optional(),
  client_request_id: z.string().nullable(),
  guardrails: z.string().nullable(),
  usage_detail: z.string().nullable(),
});

/** A D1 row back into a LogRow; bodies are null when the query did not select them. */
export function fromColumns(value: unknown): LogRow {
  const c = columnsSchema.parse(value);
  const cache = cacheStatusSchema.safeParse(c.cache);
  return {
    id: c.id,
    clientRequestId: c.client_request_id,
    time: c.time,
    method: c.method,
    path: c.path,
    keyId: c.key_id,
    teamId: c.team_id,
    model: c.model,
    provider: c.provider,
    servedModel: c.served_model,
    status: c.status,
    errorCode: c.error_code,
    attempts: JSON.parse(c.attempts),
    stream: c.stream === 1,
    cache: cache.success ? cache.data : 'skip',
    inputTokens: c.input_tokens,
    outputTokens: c.output_tokens,
    cachedTokens: c.cached_tokens,
    costUsd: c.cost_usd,
    usageDetail: parseUsageDetail(c.usage_detail),
    savedUsd: c.saved_usd,
    latencyMs: c.latency_ms,
    ttftMs: c.ttft_ms,
    metadata: c.metadata ? JSON.parse(c.metadata) : null,
    cancelled: c.cancelled === 1,
    zdr: c.zdr === 1,
    guardrails: c.guardrails ? guardrailsOf(c.guardrails) : null,
    requestBody: c.request_body ?? null,
    responseBody: c.response_body ?? null,
  };
}

/** The stored JSON back into hits; a value this code did not write reads as none. */
function guardrailsOf(text: string): LogRow['guardrails'] {
  try {
    const parsed = z.array(guardrailHitSchema).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
