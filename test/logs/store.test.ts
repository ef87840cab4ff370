import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { insertLogs } from '../../src/logs/store';
import { countRows, logRow, rowsById } from './helpers';

describe('insertLogs', () => {
  it('stores every field as given, many rows to a statement, large batches in several', async () => {
    // Quotes, backslashes, newlines, accents and astral characters: all pass through JSON to SQLite.
    const body = 'say "hi"\\n\n été 😀 '.repeat(1700).slice(0, 32_768);
    const rows = Array.from({ length: 40 }, (_, i) =>
      logRow({
        id: `store-${i}`,
        time: 1_700_000_000_000 + i,
        clientRequestId: i % 2 ? `client-${i}` : null,
        status: i % 3 ? 200 : 502,
        errorCode: i % 3 ? null : 'upstream_error',
        attempts: [{ provider: 'mock', model: 'mock-1', status: 200, ms: 3, error: null }] as never,
        stream: i % 2 === 0,
        cache: 'hit-exact',
        inputTokens: 12,
        outputTokens: 34,
        costUsd: 0.000_123_4 * i,
        savedUsd: 1.5,
        latencyMs: 7,
        ttftMs: i % 2 ? 3 : null,
        metadata: { user: `u${i}` },
        cancelled: i === 7,
        zdr: i === 8,
        guardrails: [{ rule: 'pii', action: 'redact', count: 2 }] as never,
        requestBody: body,
        responseBody: body,
      }),
    );
    let statements = 0;
    const counted = {
      prepare: (sql: string) => env.DB.prepare(sql),
      batch: (batch: D1PreparedStatement[]) => {
        statements += batch.length;
        return env.DB.batch(batch);
      },
    } as unknown as D1Database;
    await insertLogs(counted, rows);
    // Each row is ~80 K characters as JSON (escapes included): 7 to a statement of at most 600 K
    // (json-chunks.ts), so six statements for the 40, not one per row.
    expect(statements).toBe(6);
    const stored = await rowsById(rows.map((row) => row.id));
    for (const row of rows) expect(stored.get(row.id)).toEqual(row);
    await insertLogs(env.DB, rows.slice(0, 5)); // written again (a retried flush): left as they are
    expect(await countRows("id LIKE 'store-%'")).toBe(40);
  });
});
