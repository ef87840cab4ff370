// One refresh of the whole page (figures, budgets, names, the requests list), the latest winning,
// and the automatic refresh every 30 seconds.
import { api, listAll, optional, rangeQuery } from './api.js';
import { renderBreakdown } from './breakdown.js';
import { renderBudgets } from './budgets.js';
import { renderCharts } from './charts.js';
import { $, setBanner } from './dom.js';
import { renderKpis } from './kpis.js';
import { loadLogs } from './logs-table.js';
import { loadNames } from './names.js';
import { signOut, stopTimer } from './session.js';
import { state } from './state.js';

const REFRESH_MS = 30_000;
const BUCKETS = { minute: 'one-minute', hour: 'hourly', day: 'daily' };

/**
 * The latest refresh wins: one begun later (a new range, Refresh) makes this one's answers stale.
 * An automatic one (`auto`) leaves the requests list alone once it has been paged with Load more:
 * reloading its first page would take away, every 30 s, the rows the operator is reading.
 */
export async function refresh({ auto = false } = {}) {
  const run = ++state.refreshes;
  const stale = () => run !== state.refreshes;
  const group = state.group;
  state.loading = true;
  document.body.classList.add('is-loading');
  $('#updated').textContent = 'Loading…';
  const range = rangeQuery();
  try {
    // The analytics of a long range can fail alone (503 analytics_unavailable after D1's 30 s):
    // the requests list does not wait for them, so it still shows when they fail.
    const figures = Promise.all([
      api(`/admin/analytics?${range}&groupBy=model`),
      group === 'model' ? null : api(`/admin/analytics?${range}&groupBy=${group}`),
    ]);
    figures.catch(() => {}); // awaited below, once the names its tables show are in
    // Usage is a Durable Object call per key or team listed: asked for only where there is a budget.
    const budgets = Promise.all([
      listAll('/admin/keys?budgeted=true').catch(optional),
      listAll('/admin/teams?budgeted=true').catch(optional),
    ]);
    budgets.catch(() => {}); // awaited below
    await loadNames();
    if (stale()) return;
    const logs = auto && state.logPagesShown > 1 ? null : loadLogs(true);
    logs?.catch(() => {}); // awaited below, after the figures
    let analytics;
    try {
      const [keys, teams] = await budgets;
      if (stale()) return;
      renderBudgets(keys, teams);
      const [byModel, breakdown] = await figures;
      analytics = byModel;
      if (stale()) return;
      renderKpis(analytics.totals);
      state.utcDays = analytics.interval === 'day';
      renderCharts(analytics.series);
      // A tab clicked meanwhile loads its own breakdown.
      if (group === state.group) renderBreakdown(breakdown ?? analytics, analytics.totals, group);
    } finally {
      // Whatever became of the figures, the requests list is finished before the refresh is.
      await logs;
    }
    if (stale()) return;
    setBanner(null);
    $('#updated').textContent =
      `Updated ${new Date().toLocaleTimeString()} · ${BUCKETS[analytics.interval]} buckets${state.utcDays ? ' (UTC days)' : ''}`;
    document.body.dataset.ready = 'true';
  } catch (error) {
    if (error.status === 401) return signOut('Your session ended: sign in again.');
    if (stale()) return;
    setBanner(`Could not load the dashboard: ${error.message}`);
    $('#updated').textContent = 'Showing the last data that loaded.';
  } finally {
    if (!stale()) {
      state.loading = false;
      document.body.classList.remove('is-loading');
    }
  }
}

export function startTimer() {
  stopTimer();
  // A tick while a load is pending is skipped: a new refresh would make that one's answers stale.
  state.timer = setInterval(
    () => document.visibilityState === 'visible' && !state.loading && refresh({ auto: true }),
    REFRESH_MS,
  );
}
