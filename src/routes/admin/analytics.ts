// /admin/analytics — totals, groups and a time series over the request logs (src/logs/analytics.ts).
import { Hono } from 'hono';
import { scopedQuery } from '../../auth/team-scope';
import type { AppEnv } from '../../env';
import { FILTER_PARAMS, parseAnalyticsParams } from '../../logs/admin-query';
import { queryAnalytics } from '../../logs/analytics';
import { rejectUnknown } from './query-params';

export const analytics = new Hono<AppEnv>().get('/', async (c) => {
  const query = scopedQuery(c);
  rejectUnknown(query, [...FILTER_PARAMS, 'groupBy', 'interval']);
  const params = parseAnalyticsParams(query, Date.now());
  return c.json(await queryAnalytics(c.env.DB, params));
});
