// Reading request logs in tests: flush every buffer until the expected rows are in D1.
import { env } from 'cloudflare:workers';
import { fromColumns, type LogRow } from '../../src/logs/row';
import { flushAllBuffers } from '../../src/logs/sink';

export async function rowsById(ids: readonly string[]): Promise<Map<string, LogRow>> {
  const found = new Map<string, LogRow>();
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const { results } = await env.DB.prepare(
      `SELECT * FROM request_logs WHERE id IN (${chunk.map(() => '?').join(', ')})`,
    )
      .bind(...chunk)
      .all();
    for (const row of results.map(fromColumns)) found.set(row.id, row);
  }
  return found;
}

/**
 * Rows are written after the response (ctx.waitUntil → LogBuffer → alarm → D1): flush until every
 * id has arrived, or fail with the ones missing.
 */
export async function waitForRows(ids: readonly string[], timeoutMs = 8000): Promise<Map<string, LogRow>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await flushAllBuffers(env);
    const rows = await rowsById(ids);
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
    savedUsd: 0,
    latencyMs: 0,
    ttftMs: null,
    metadata: null,
    cancelled: false,
    zdr: false,
    requestBody: null,
    responseBody: null,
    ...overrides,
  };
}
