// GET /admin/audit — the audit log of admin mutations, newest first, filtered and cursor-paged.
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { invalidRequest } from '../../errors';
import { type AuditFilter, listAudit, presentAudit, TARGET_TYPES } from '../../governance/audit';
import { parseTimeRange } from '../../logs/admin-query';
import { decodeCursor, encodeCursor, pageLimit } from './paging';
import { rejectUnknown } from './query-params';

const FILTERS = ['actor', 'action', 'targetType', 'targetId', 'team', 'since', 'until'] as const;

export const audit = new Hono<AppEnv>().get('/', async (c) => {
  const params = c.req.query();
  rejectUnknown(params, [...FILTERS, 'limit', 'cursor']);
  const filter: AuditFilter = {
    ...parseTimeRange(params),
    ...(params.actor ? { actor: params.actor } : {}),
    ...(params.action ? { action: params.action } : {}),
    ...(params.targetId ? { targetId: params.targetId } : {}),
    ...(params.team ? { team: params.team } : {}),
  };
  if (params.targetType !== undefined) {
    if (!(TARGET_TYPES as readonly string[]).includes(params.targetType))
      throw invalidRequest(`targetType must be one of ${TARGET_TYPES.join(', ')}.`, 'targetType');
    filter.targetType = params.targetType;
  }
  const { rows, more } = await listAudit(c.env.DB, filter, {
    limit: pageLimit(params.limit),
    cursor: decodeCursor(params.cursor),
  });
  const last = rows.at(-1);
  return c.json({
    data: rows.map(presentAudit),
    nextCursor: more && last ? encodeCursor(last.time, last.id) : null,
  });
});
