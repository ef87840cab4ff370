// /admin/analytics — totals, groups and a time series over the request logs (src/logs/analytics.ts).
import { Hono } from 'hono';
import { scopedQuery } from '../../auth/team-scope';
import type { AppEnv } from '../../env';
import { FILTER_PARAMS, parseAnalyticsParams } from '../../logs/admin-query';
import { queryAnalytics } from '../../logs/analytics';
import { rejectRepeated, rejectUnknown } from './query-params';
import { orUnavailable } from './query-unavailable';

export const analytics = new Hono<AppEnv>().get('/', async (c) => {
  rejectRepeated(c.req.queries());
  const query = scopedQuery(c);
  rejectUnknown(query, [...FILTER_PARAMS, 'groupBy', 'interval']);
  const params = parseAnalyticsParams(query, Date.now());
  return c.json(
    await orUnavailable(
      () => queryAnalytics(c.env.DB, params),
      'analytics_unavailable',
      'The analytics query failed or took too long. Try again, or ask for a shorter range or a narrower filter.',
    ),
  );
});
