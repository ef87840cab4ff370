// /admin/analytics — totals, groups and a time series over the request logs (src/logs/analytics.ts).
import { Hono } from 'hono';
import { scopedQuery } from '../../auth/team-scope';
import type { AppEnv } from '../../env';
import { parseAnalyticsParams } from '../../logs/admin-query';
import { queryAnalytics } from '../../logs/analytics';

export const analytics = new Hono<AppEnv>().get('/', async (c) => {
  const params = parseAnalyticsParams(scopedQuery(c), Date.now());
  return c.json(await queryAnalytics(c.env.DB, params));
});
