// GET /admin/audit — the audit log of admin mutations, newest first, filtered and cursor-paged.
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { invalidRequest } from '../../errors';
import {
  AUDIT_ACTIONS,
  type AuditFilter,
  listAudit,
  presentAudit,
  TARGET_TYPES,
} from '../../governance/audit';
import { parseTimeRange } from '../../logs/admin-query';
import { decodeCursor, encodeCursor, pageLimit } from './paging';
import { rejectRepeated, rejectUnknown } from './query-params';

const FILTERS = ['actor', 'action', 'targetType', 'targetId', 'team', 'since', 'until'] as const;

/** A filter value: as /admin/logs, an empty one is a 400 rather than no filter at all. */
function filterValue(params: Record<string, string>, name: string): string | undefined {
  const value = params[name];
  if (value !== undefined && (value.length === 0 || value.length > 1000))
    throw invalidRequest(`Invalid '${name}': expected 1 to 1000 characters.`, name);
  return value;
}

/** One of `allowed`, else a 400 listing them: a typo (`key.delete`) must not read as "none happened". */
function oneOf(params: Record<string, string>, name: string, allowed: readonly string[]): string | undefined {
  const value = params[name];
  if (value !== undefined && !allowed.includes(value))
    throw invalidRequest(`${name} must be one of ${allowed.join(', ')}.`, name);
  return value;
}

export const audit = new Hono<AppEnv>().get('/', async (c) => {
  const params = c.req.query();
  rejectUnknown(params, [...FILTERS, 'limit', 'cursor']);
  rejectRepeated(c.req.queries());
  const filter: AuditFilter = { ...parseTimeRange(params) };
  for (const name of ['actor', 'targetId', 'team'] as const) {
    const value = filterValue(params, name);
    if (value !== undefined) filter[name] = value;
  }
  const action = oneOf(params, 'action', AUDIT_ACTIONS);
  if (action !== undefined) filter.action = action;
  const targetType = oneOf(params, 'targetType', TARGET_TYPES);
  if (targetType !== undefined) filter.targetType = targetType;
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
