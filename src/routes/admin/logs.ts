// /admin/logs — request log rows, newest first, filtered and cursor-paged; one row with its bodies.
import { Hono } from 'hono';
import { inTeamScope, scopedQuery } from '../../auth/team-scope';
import type { AppEnv } from '../../env';
import { GatewayError } from '../../errors';
import { FILTER_PARAMS, LOG_ONLY_PARAMS, parseLogFilter } from '../../logs/admin-query';
import type { LogRow } from '../../logs/row';
import { getLog, listLogs } from '../../logs/store';
import { decodeCursor, encodeCursor, pageLimit } from './paging';
import { rejectRepeated, rejectUnknown } from './query-params';
import { orUnavailable } from './query-unavailable';

export const logs = new Hono<AppEnv>()
  .get('/', async (c) => {
    rejectRepeated(c.req.queries());
    const params = scopedQuery(c);
    rejectUnknown(params, [...FILTER_PARAMS, ...LOG_ONLY_PARAMS, 'limit', 'cursor']);
    const filter = parseLogFilter(params);
    const page = { limit: pageLimit(params.limit), cursor: decodeCursor(params.cursor) };
    const { rows, more } = await orUnavailable(
      () => listLogs(c.env.DB, filter, page),
      'logs_unavailable',
      'The log query failed or took too long. Try again, or ask for a shorter range or a narrower filter.',
    );
    const last = rows.at(-1);
    return c.json({
      data: rows.map((row) => ({ ...present(row), hasBodies: row.hasBodies })),
      nextCursor: more && last ? encodeCursor(last.time, last.id) : null,
    });
  })
  .get('/:id', async (c) => {
    const id = c.req.param('id');
    const row = await orUnavailable(
      () => getLog(c.env.DB, id),
      'logs_unavailable',
      'The log row could not be read right now. Please retry shortly.',
    );
    if (!row || !inTeamScope(c, row.teamId))
      throw new GatewayError(
        404,
        'invalid_request_error',
        'log_not_found',
        `No log row with id '${id}'.`,
        'id',
      );
    return c.json({ ...present(row), requestBody: row.requestBody, responseBody: row.responseBody });
  });

/** The API view of a row: camelCase, ISO time, tokens grouped like OpenAI's usage. */
function present(row: LogRow) {
  return {
    id: row.id,
    clientRequestId: row.clientRequestId,
    object: 'gateway.log',
    createdAt: new Date(row.time).toISOString(),
    method: row.method,
    path: row.path,
    key: row.keyId,
    team: row.teamId,
    model: row.model,
    provider: row.provider,
    servedModel: row.servedModel,
    status: row.status,
    errorCode: row.errorCode,
    attempts: row.attempts,
    stream: row.stream,
    cache: row.cache,
    usage: {
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      cachedTokens: row.cachedTokens,
      totalTokens: row.inputTokens + row.outputTokens,
    },
    costUsd: row.costUsd,
    usageDetail: row.usageDetail,
    savedUsd: row.savedUsd,
    latencyMs: row.latencyMs,
    ttftMs: row.ttftMs,
    metadata: row.metadata,
    cancelled: row.cancelled,
    zdr: row.zdr,
    guardrails: row.guardrails,
  };
}
