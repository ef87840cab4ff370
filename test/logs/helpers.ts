// Reading request logs in tests: flush every buffer until the expected rows are in D1.
import { env } from 'cloudflare:workers';
import { fromColumns, type LogRow } from '../../src/logs/row';
import { flushAllBuffers } from '../../src/logs/sink';

/** Rows by their (server) id. */
export async function rowsById(ids: readonly string[]): Promise<Map<string, LogRow>> {
  return rowsWhere('id', ids, (row) => row.id);
}

/** Rows by the `x-request-id` their client sent; each id must name one row. */
export async function rowsByClientId(ids: readonly string[]): Promise<Map<string, LogRow>> {
  return rowsWhere('client_request_id', ids, (row) => row.clientRequestId ?? '');
}

async function rowsWhere(
  column: 'id' | 'client_request_id',
  ids: readonly string[],
  keyOf: (row: LogRow) => string,
): Promise<Map<string, LogRow>> {
  const found = new Map<string, LogRow>();
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const { results } = await env.DB.prepare(
      `SELECT * FROM request_logs WHERE ${column} IN (${chunk.map(() => '?').join(', ')})`,
    )
      .bind(...chunk)
      .all();
    for (const row of results.map(fromColumns)) {
      if (found.has(keyOf(row))) throw new Error(`two log rows for ${column} ${keyOf(row)}`);
      found.set(keyOf(row), row);
    }
  }
  return found;
}

/**
 * Rows are written after the response (ctx.waitUntil → LogBuffer → alarm → D1): flush until every
 * id has arrived, or fail with the ones missing. `ids` are the clients' `x-request-id`s (or server
 * ids with `by: 'id'`).
 */
export async function waitForRows(
  ids: readonly string[],
  timeoutMs = 8000,
  by: 'client' | 'id' = 'client',
): Promise<Map<string, LogRow>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await flushAllBuffers(env);
    const rows = by === 'id' ? await rowsById(ids) : await rowsByClientId(ids);
    if (rows.size === ids.length) return rows;
    if (Date.now() > deadline) {
      const missing = ids.filter((id) => !rows.has(id));
      throw new Error(`log rows never arrived: ${missing.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function countRows(where: string, ...binds: (string | number)[]): Promise<number> {
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM request_logs WHERE ${where}`)
    .bind(...binds)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** A complete row with neutral values, for seeding. */
export function logRow(overrides: Partial<LogRow> & { id: string; time: number }): LogRow {
  return {
    clientRequestId: null,
    method: 'POST',
    path: '/v1/chat/completions',
    keyId: 'key_seed',
    teamId: null,
    model: 'fast',
    provider: 'mock',
    servedModel: 'mock-1',
    status: 200,
    errorCode: null,
    attempts: [],
    stream: false,
    cache: 'miss',
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    costUsd: 0,
    usageDetail: null,
    savedUsd: 0,
    latencyMs: 0,
    ttftMs: null,
    metadata: null,
    cancelled: false,
    zdr: false,
    guardrails: null,
    requestBody: null,
    responseBody: null,
    ...overrides,
  };
}
