// /admin/analytics — totals, groups and a time series over the request logs (src/logs/analytics.ts).
import { Hono } from 'hono';
import { scopedQuery } from '../../auth/team-scope';
import type { AppEnv } from '../../env';
import { unavailableNow } from '../../errors';
import { FILTER_PARAMS, parseAnalyticsParams } from '../../logs/admin-query';
import { queryAnalytics } from '../../logs/analytics';
import { rejectUnknown } from './query-params';

export const analytics = new Hono<AppEnv>().get('/', async (c) => {
  const query = scopedQuery(c);
  rejectUnknown(query, [...FILTER_PARAMS, 'groupBy', 'interval']);
  const params = parseAnalyticsParams(query, Date.now());
  try {
    return c.json(await queryAnalytics(c.env.DB, params));
  } catch (error) {
    // D1 failed or ran out of time (a query may run for 30 s at most): a 503 that says what helps.
    console.error('analytics query failed', String(error));
    throw unavailableNow(
      'analytics_unavailable',
      'The analytics query failed or took too long. Try again, or ask for a shorter range or a narrower filter.',
    );
  }
});
