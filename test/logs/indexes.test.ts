// The request log's indexes: what D1 bills an insert for, and what the admin filters read through.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { whereClause } from '../../src/logs/store';

async function plan(filter: Parameters<typeof whereClause>[0]): Promise<string> {
  const where = whereClause(filter);
  const { results } = await env.DB.prepare(
    `EXPLAIN QUERY PLAN SELECT id FROM request_logs ${where.sql} ORDER BY time DESC, id DESC LIMIT 51`,
  )
    .bind(...where.binds)
    .all<{ detail: string }>();
  return results.map((row) => row.detail).join('\n');
}

describe('request_logs indexes', () => {
  it('leave out the rows whose client request id or team is NULL (each index is a written row)', async () => {
    const { results } = await env.DB.prepare('PRAGMA index_list(request_logs)').all<{
      name: string;
      partial: number;
    }>();
    const partial = Object.fromEntries(results.map((index) => [index.name, index.partial]));
    expect(partial).toMatchObject({
      request_logs_client_request_id: 1,
      request_logs_team_time: 1,
      request_logs_key_time: 0,
      request_logs_time: 0,
    });
  });

  it('still answer a lookup by request id and a filter by team', async () => {
    expect(await plan({ requestId: 'req_1' })).toContain('request_logs_client_request_id');
    expect(await plan({ team: 'team_1' })).toContain('request_logs_team_time');
  });
});
