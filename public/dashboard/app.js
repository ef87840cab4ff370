// Tollgate dashboard: plain JavaScript over the admin API (/admin/analytics, /admin/logs, /admin/keys,
// /admin/teams). The admin token is kept in this tab's sessionStorage only and sent as a bearer token.
// Every value from the API is rendered as text (never as HTML).
(() => {
  const TOKEN_KEY = 'tollgate.adminToken';
  const RANGES = {
    '1h': 3_600_000,
    '6h': 21_600_000,
    '24h': 86_400_000,
    '7d': 604_800_000,
    '30d': 2_592_000_000,
  };
  const GROUP_LABELS = { model: 'Model', provider: 'Provider', key: 'Key', team: 'Team' };
  const REFRESH_MS = 30_000;
  // Names change rarely: the lists of keys and teams are read again at most this often (ids not in
  // them are read one by one as they show, see resolveNames).
  const NAMES_MS = 10 * 60_000;
  // At most this many ids read one by one per table drawn (each once per session).
  const NAME_READS = 20;
  const BUCKETS = { minute: 'one-minute', hour: 'hourly', day: 'daily' };
  const COLORS = { accent: '#4f46e5', bad: '#d93025', good: '#0f9d58', warn: '#c77700', muted: '#9aa0b8' };

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    range: '24h',
    group: 'model',
    // Names by id (revoked keys too: their requests stay in the logs), from loadNames and resolveNames.
    keys: new Map(),
    teams: new Map(),
    names: newNames(),
    cursor: null,
    // The query of the logs shown, without its cursor (loadLogs).
    logParams: null,
    charts: {},
    // The series' buckets are days: UTC days (the API's), so the charts' time axis reads UTC, not local time.
    utcDays: false,
    timer: null,
    loading: false,
    // Numbers the latest refresh and the latest first page of logs: an answer to an older one is stale.
    refreshes: 0,
    logPages: 0,
    // Pages of logs shown since the first (Load more adds one): an automatic refresh keeps them.
    logPagesShown: 0,
  };

  const $ = (selector) => document.querySelector(selector);

  /** What the names cache knows: when the lists were read, which kinds this token may not list, which ids were read. */
  function newNames() {
    return { at: 0, pending: null, denied: { key: false, team: false }, asked: new Set() };
  }

  /** Builds an element; children are nodes or strings (always as text). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      // Through the CSSOM, which the Content-Security-Policy (public/_headers) allows; a style attribute it refuses.
      else if (name === 'style') node.style.cssText = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // ---------- formatting ----------
  const intFormat = new Intl.NumberFormat('en-US');
  const fmtInt = (n) => intFormat.format(Math.round(n ?? 0));
  const fmtPct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
  function fmtUsd(v) {
    const value = v ?? 0;
    if (value === 0) return '$0.00';
    const abs = Math.abs(value);
    if (abs >= 1)
      return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    if (abs >= 0.01) return `$${value.toFixed(4)}`;
    // Three significant digits for sub-cent amounts: $0.000123.
    return `$${value.toFixed(Math.min(10, 2 - Math.floor(Math.log10(abs))))}`;
  }
  const fmtMs = (ms) =>
    ms === null || ms === undefined
      ? '—'
      : ms < 1000
        ? `${Math.round(ms)} ms`
        : `${(ms / 1000).toFixed(2)} s`;
  function fmtTime(iso) {
    const date = new Date(iso);
    const today = new Date().toDateString() === date.toDateString();
    const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    return today ? time : `${date.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
  }
  const keyName = (id) => {
    if (!id) return '(none)';
    const key = state.keys.get(id);
    if (!key) return id;
    return `${key.name} (${key.prefix}${key.revokedAt ? ', revoked' : ''})`;
  };
  const teamName = (id) => (id ? (state.teams.get(id)?.name ?? id) : '(no team)');
  const groupName = (group, value) => {
    if (group === 'key') return keyName(value);
    if (group === 'team') return teamName(value);
    if (value === null) return group === 'provider' ? '(not routed)' : '(no model)';
    return value;
  };

  // ---------- API ----------
  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path) {
    let response;
    try {
      response = await fetch(path, { headers: { authorization: `Bearer ${state.token}` } });
    } catch {
      throw new ApiError(0, 'The gateway could not be reached. Is it running?');
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: the message below says what happened
    }
    if (!response.ok) throw new ApiError(response.status, body?.error?.message ?? `HTTP ${response.status}`);
    return body;
  }

  /** Every page of an admin list (keys, teams), up to a sane bound. */
  async function listAll(path, pages = 10) {
    const out = [];
    let cursor = null;
    const join = path.includes('?') ? '&' : '?';
    for (let page = 0; page < pages; page++) {
      const body = await api(
        `${path}${join}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      out.push(...body.data);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    return out;
  }

  function rangeQuery() {
    const until = Date.now();
    const since = until - RANGES[state.range];
    return `since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`;
  }

  // ---------- sign-in ----------
  function showLogin(message) {
    stopTimer();
    $('#app').hidden = true;
    $('#login').hidden = false;
    const error = $('#login-error');
    error.hidden = !message;
    error.textContent = message ?? '';
    $('#token').focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    // Another token may see other keys (a team-admin's) or none (a viewer).
    state.keys = new Map();
    state.teams = new Map();
    state.names = newNames();
    showLogin(message);
  }

  $('#login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = $('#token').value.trim();
    if (!token) return;
    const button = $('#login-submit');
    button.disabled = true;
    button.textContent = 'Signing in…';
    state.token = token;
    try {
      // The cheapest read a dashboard token may make: the analytics of the range (seconds over a
      // busy day's rows) are asked for once, by the refresh that follows.
      await api('/admin/logs?limit=1');
      sessionStorage.setItem(TOKEN_KEY, token);
      $('#token').value = '';
      showApp();
    } catch (error) {
      state.token = null;
      const message =
        error.status === 401
          ? 'That token was refused. Check ADMIN_TOKEN (or your admin token) and try again.'
          : error.message;
      showLogin(message);
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });

  function showApp() {
    $('#login').hidden = true;
    $('#app').hidden = false;
    refresh();
    if ($('#auto').checked) startTimer();
  }

  // ---------- loading ----------
  function setBanner(message) {
    $('#banner').hidden = !message;
    $('#banner-text').textContent = message ?? '';
  }

  /**
   * The latest refresh wins: one begun later (a new range, Refresh) makes this one's answers stale.
   * An automatic one (`auto`) leaves the requests list alone once it has been paged with Load more:
   * reloading its first page would take away, every 30 s, the rows the operator is reading.
   */
  async function refresh({ auto = false } = {}) {
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

  /** Keys and teams are extras: a token that may not list them still sees analytics and logs. */
  function optional(error) {
    if (error.status === 401) throw error;
    return null;
  }

  // ---------- names ----------
  /**
   * The names of keys (revoked ones too) and teams, listed without usage: no Durable Object call per
   * key. Read at sign-in, then again at most every NAMES_MS; what resolveNames read meanwhile is kept.
   */
  function loadNames() {
    const names = state.names;
    if (names.pending && Date.now() - names.at < NAMES_MS) return names.pending;
    names.at = Date.now();
    const pending = Promise.all([
      listAll('/admin/keys?usage=false&includeRevoked=true', 50).catch(optional),
      listAll('/admin/teams?usage=false', 50).catch(optional),
    ]).then(([keys, teams]) => {
      if (names !== state.names) return; // signed out meanwhile
      names.denied = { key: !keys, team: !teams };
      for (const key of keys ?? []) state.keys.set(key.id, key);
      for (const team of teams ?? []) state.teams.set(team.id, team);
      renderKeyFilter();
      showNames();
    });
    names.pending = pending;
    // A failed read is tried again by the next refresh.
    pending.catch(() => {
      if (names.pending === pending) names.pending = null;
    });
    return pending;
  }

  /**
   * Ids shown that no list named (a key created since the lists were read, or past their bound) are
   * read one by one, each once, a few per table; the names then replace the ids on the page.
   */
  async function resolveNames(kind, ids) {
    const names = state.names;
    if (names.denied[kind]) return;
    const known = kind === 'key' ? state.keys : state.teams;
    const missing = [...new Set(ids)]
      .filter((id) => id && !known.has(id) && !names.asked.has(`${kind}:${id}`))
      .slice(0, NAME_READS);
    if (missing.length === 0) return;
    for (const id of missing) names.asked.add(`${kind}:${id}`);
    const path = kind === 'key' ? '/admin/keys/' : '/admin/teams/';
    const found = await Promise.all(
      missing.map((id) => api(`${path}${encodeURIComponent(id)}?usage=false`).catch(() => null)),
    );
    if (names !== state.names) return;
    for (const item of found) if (item) known.set(item.id, item);
    if (found.some(Boolean)) showNames();
  }

  /** An id as its name, kept up to date as names arrive (showNames). */
  const nameOf = (kind, id) =>
    el('span', { [`data-${kind}-name`]: id }, kind === 'key' ? keyName(id) : teamName(id));

  function showNames() {
    for (const node of document.querySelectorAll('[data-key-name]'))
      node.textContent = keyName(node.dataset.keyName);
    for (const node of document.querySelectorAll('[data-team-name]'))
      node.textContent = teamName(node.dataset.teamName);
  }

  // ---------- KPIs ----------
  function setKpi(name, text, raw, sub, tone) {
    const value = document.querySelector(`[data-kpi="${name}"]`);
    value.textContent = text;
    value.dataset.raw = String(raw ?? '');
    value.classList.toggle('bad', tone === 'bad');
    value.classList.toggle('good', tone === 'good');
    document.querySelector(`[data-kpi-sub="${name}"]`).textContent = sub ?? '';
  }

  function renderKpis(t) {
    const lookups = t.cacheHits + t.cacheMisses;
    setKpi(
      'requests',
      fmtInt(t.requests),
      t.requests,
      t.cancelled ? `${fmtInt(t.cancelled)} cancelled by their clients` : 'in the selected range',
    );
    setKpi(
      'errorRate',
      fmtPct(t.errorRate),
      t.errorRate,
      `${fmtInt(t.errors)} errors`,
      t.errorRate > 0.05 ? 'bad' : undefined,
    );
    setKpi(
      'tokens',
      fmtInt(t.totalTokens),
      t.totalTokens,
      `${fmtInt(t.inputTokens)} in · ${fmtInt(t.outputTokens)} out`,
    );
    // Per answered request (cache hits included, at $0): errors and cancelled requests cost little or
    // nothing, and dividing by them too made the figure fall as the error rate rose.
    const answered = t.requests - t.errors - t.cancelled;
    setKpi(
      'cost',
      fmtUsd(t.costUsd),
      t.costUsd,
      answered > 0 ? `${fmtUsd(t.costUsd / answered)} per answered request` : '',
    );
    setKpi(
      'cacheHitRate',
      fmtPct(t.cacheHitRate),
      t.cacheHitRate,
      lookups ? `${fmtInt(t.cacheHits)} of ${fmtInt(lookups)} lookups` : 'no cacheable requests',
      t.cacheHitRate > 0 ? 'good' : undefined,
    );
    setKpi(
      'saved',
      fmtUsd(t.savedUsd),
      t.savedUsd,
      t.cacheHits ? `by ${fmtInt(t.cacheHits)} cache hits` : '',
      t.savedUsd > 0 ? 'good' : undefined,
    );
    setKpi('p50', fmtMs(t.latencyP50Ms), t.latencyP50Ms, 'answered requests');
    setKpi('p95', fmtMs(t.latencyP95Ms), t.latencyP95Ms, 'answered requests');
  }

  // ---------- charts ----------
  const CHARTS = {
    requests: {
      el: '#chart-requests',
      series: [
        {
          label: 'Requests',
          stroke: COLORS.accent,
          fill: 'rgba(79,70,229,0.55)',
          bars: true,
          value: (_u, v) => (v == null ? '—' : fmtInt(v)),
        },
        {
          label: 'Errors',
          stroke: COLORS.bad,
          fill: 'rgba(217,48,37,0.8)',
          bars: true,
          value: (_u, v) => (v == null ? '—' : fmtInt(v)),
        },
      ],
      pick: (s) => [s.requests, s.errors],
      axis: (v) => fmtInt(v),
    },
    cost: {
      el: '#chart-cost',
      series: [
        {
          label: 'Cost',
          stroke: COLORS.accent,
          fill: 'rgba(79,70,229,0.55)',
          bars: true,
          value: (_u, v) => (v == null ? '—' : fmtUsd(v)),
        },
        {
          label: 'Saved by cache',
          stroke: COLORS.good,
          fill: 'rgba(15,157,88,0.6)',
          bars: true,
          value: (_u, v) => (v == null ? '—' : fmtUsd(v)),
        },
      ],
      pick: (s) => [s.costUsd, s.savedUsd],
      axis: (v) => fmtUsd(v),
    },
    latency: {
      el: '#chart-latency',
      series: [
        { label: 'p50', stroke: COLORS.accent, points: { show: true, size: 6 }, value: (_u, v) => fmtMs(v) },
        { label: 'p95', stroke: COLORS.warn, points: { show: true, size: 6 }, value: (_u, v) => fmtMs(v) },
      ],
      pick: (s) => [s.latencyP50Ms, s.latencyP95Ms],
      axis: (v) => fmtMs(v),
      spanGaps: true,
    },
  };

  function chartSize(container) {
    const width = Math.max(240, container.clientWidth);
    return { width, height: width < 420 ? 180 : 220 };
  }

  /**
   * The charts' clock. A daily bucket is a UTC day starting at UTC midnight: on local time west of
   * UTC it would be drawn, ticked and labelled as the evening of the day before (east of it, that
   * day's morning), so with daily buckets the axis reads UTC. Read on every redraw (a new range).
   */
  const chartDate = (ts) =>
    state.utcDays ? uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') : new Date(ts * 1000);
  const bucketLabel = (v) =>
    v == null
      ? '—'
      : state.utcDays
        ? `${new Date(v * 1000).toLocaleDateString([], { timeZone: 'UTC', dateStyle: 'medium' })} (UTC)`
        : new Date(v * 1000).toLocaleString();

  function renderCharts(series) {
    const xs = series.map((s) => Date.parse(s.t) / 1000);
    const anyTraffic = series.some((s) => s.requests > 0);
    for (const [name, spec] of Object.entries(CHARTS)) {
      const container = $(spec.el);
      // An empty bucket draws no bar (a zero-height bar would draw a line along the axis).
      const columns = spec.series.map((line, i) =>
        series.map((s) => {
          const v = spec.pick(s)[i];
          return line.bars && v === 0 ? null : v;
        }),
      );
      const data = [xs, ...columns];
      let empty = container.querySelector('.empty');
      if (!anyTraffic) {
        if (!empty) {
          empty = el('div', { class: 'empty' }, 'No traffic in this range yet.');
          container.append(empty);
        }
      } else if (empty) empty.remove();
      if (state.charts[name]) {
        state.charts[name].setData(data);
        continue;
      }
      if (typeof uPlot !== 'function') {
        container.replaceChildren(el('div', { class: 'empty' }, 'Charts could not load (uPlot missing).'));
        continue;
      }
      const chart = new uPlot(
        {
          ...chartSize(container),
          cursor: { drag: { x: false, y: false } },
          legend: { live: false },
          scales: { x: { time: true } },
          tzDate: chartDate,
          axes: [
            { stroke: COLORS.muted, grid: { stroke: '#eef0f5' } },
            {
              stroke: COLORS.muted,
              grid: { stroke: '#eef0f5' },
              values: (_u, ticks) => ticks.map(spec.axis),
              size: 64,
            },
          ],
          series: [
            { value: (_u, v) => bucketLabel(v) },
            ...spec.series.map(({ bars, ...s }) => ({
              points: { show: false },
              ...s,
              width: bars ? 1 : 2,
              spanGaps: spec.spanGaps ?? false,
              // Counts and money per bucket read best as bars; uPlot ships the bars path builder.
              ...(bars && uPlot.paths?.bars ? { paths: uPlot.paths.bars({ size: [0.7, 48], gap: 1 }) } : {}),
            })),
          ],
        },
        data,
        container,
      );
      state.charts[name] = chart;
      new ResizeObserver(() => chart.setSize(chartSize(container))).observe(container);
    }
  }

  // ---------- breakdown ----------
  /** `result` is the analytics grouped by `group`, the tab it was asked for. */
  function renderBreakdown(result, totals, group) {
    $('#breakdown-name').textContent = GROUP_LABELS[group];
    const body = $('#breakdown tbody');
    if (result.groups.length === 0) {
      body.replaceChildren(
        el('tr', {}, el('td', { colspan: 10, class: 'placeholder' }, 'No requests in this range yet.')),
      );
      return;
    }
    const max = Math.max(...result.groups.map((g) => g.requests));
    body.replaceChildren(
      ...result.groups.map((g) =>
        el(
          'tr',
          { 'data-group-key': g.key ?? '' },
          el(
            'td',
            { class: 'name', title: g.key ?? '' },
            (group === 'key' || group === 'team') && g.key ? nameOf(group, g.key) : groupName(group, g.key),
          ),
          el(
            'td',
            { class: 'num' },
            el('span', { class: 'bar', style: `width:${Math.max(2, (g.requests / max) * 48)}px` }),
            fmtInt(g.requests),
          ),
          el(
            'td',
            { class: 'num' },
            g.errors
              ? el('span', { class: 'pill bad' }, `${fmtInt(g.errors)} · ${fmtPct(g.errorRate)}`)
              : '0',
          ),
          el('td', { class: 'num' }, fmtInt(g.totalTokens)),
          el('td', { class: 'num' }, fmtUsd(g.costUsd)),
          el('td', { class: 'num' }, totals.costUsd ? fmtPct(g.costUsd / totals.costUsd) : '—'),
          el(
            'td',
            { class: 'num' },
            g.cacheHitRate === null ? '—' : `${fmtInt(g.cacheHits)} · ${fmtPct(g.cacheHitRate)}`,
          ),
          el('td', { class: 'num' }, fmtUsd(g.savedUsd)),
          el('td', { class: 'num' }, fmtMs(g.latencyP50Ms)),
          el('td', { class: 'num' }, fmtMs(g.latencyP95Ms)),
        ),
      ),
    );
    if (group === 'key' || group === 'team')
      resolveNames(
        group,
        result.groups.map((g) => g.key),
      );
  }

  /** The tab of a group: selected (and the one Tab reaches), its breakdown loaded. */
  async function selectTab(button) {
    const group = button.dataset.group;
    if (group === state.group) return;
    const run = state.refreshes;
    state.group = group;
    for (const tab of document.querySelectorAll('#breakdown-tabs [role="tab"]')) {
      tab.setAttribute('aria-selected', String(tab === button));
      tab.tabIndex = tab === button ? 0 : -1;
    }
    $('#breakdown-panel').setAttribute('aria-labelledby', button.id);
    // Stale once another tab is clicked or a refresh begins (which loads the selected tab itself).
    const stale = () => group !== state.group || run !== state.refreshes;
    try {
      const result = await api(`/admin/analytics?${rangeQuery()}&groupBy=${group}`);
      if (!stale()) renderBreakdown(result, result.totals, group);
    } catch (error) {
      if (error.status === 401) return signOut('Your session ended: sign in again.');
      if (!stale()) setBanner(`Could not load the breakdown: ${error.message}`);
    }
  }

  $('#breakdown-tabs').addEventListener('click', (event) => {
    const button = event.target.closest('[role="tab"]');
    if (button) selectTab(button);
  });
  // The WAI-ARIA tabs pattern: arrows move along the tabs (wrapping), Home and End to the ends;
  // a tab is selected as it gets focus.
  $('#breakdown-tabs').addEventListener('keydown', (event) => {
    const tabs = [...document.querySelectorAll('#breakdown-tabs [role="tab"]')];
    const at = tabs.indexOf(document.activeElement);
    if (at === -1) return;
    const to = {
      ArrowRight: (at + 1) % tabs.length,
      ArrowLeft: (at - 1 + tabs.length) % tabs.length,
      Home: 0,
      End: tabs.length - 1,
    }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    tabs[to].focus();
    selectTab(tabs[to]);
  });

  // ---------- budgets ----------
  function renderBudgets(keys, teams) {
    const container = $('#budgets');
    if (!keys && !teams) {
      container.replaceChildren(
        el('div', { class: 'empty-state' }, 'This token may not read keys and teams.'),
      );
      $('#budget-summary').textContent = '';
      return;
    }
    const items = [
      ...(teams ?? []).map((t) => ({
        kind: 'Team',
        name: t.name,
        id: t.id,
        budget: t.budget,
        usage: t.usage,
      })),
      ...(keys ?? []).map((k) => ({
        kind: 'Key',
        name: `${k.name} (${k.prefix})`,
        id: k.id,
        budget: k.budget,
        usage: k.usage,
      })),
    ].filter((item) => item.budget && item.usage?.budgetUsd);
    if (items.length === 0) {
      container.replaceChildren(
        el(
          'div',
          { class: 'empty-state' },
          el(
            'div',
            {},
            'No key or team has a budget yet.',
            el('br'),
            el(
              'span',
              { class: 'muted' },
              'Set one with PATCH /admin/keys/:id {"budget":{"usd":50,"period":"month"}}.',
            ),
          ),
        ),
      );
      $('#budget-summary').textContent = '';
      return;
    }
    const fraction = (item) => item.usage.spendUsd / item.usage.budgetUsd;
    items.sort((a, b) => fraction(b) - fraction(a));
    const crossed = items.filter((item) => item.usage.alert?.crossed).length;
    $('#budget-summary').textContent = crossed
      ? `${crossed} of ${items.length} past their alert threshold`
      : `${items.length} with a budget, none past its alert threshold`;
    container.replaceChildren(
      ...items.map((item) => {
        const used = fraction(item);
        const over = used >= 1;
        const alert = item.usage.alert?.crossed;
        const threshold = item.usage.alert?.threshold ?? item.budget.alertAt ?? 0.8;
        return el(
          'article',
          { class: `budget${over ? ' over' : alert ? ' crossed' : ''}`, 'data-budget': item.id },
          el(
            'div',
            { class: 'budget-top' },
            el('span', { class: 'budget-name', title: item.id }, item.name),
            el('span', { class: 'tag' }, `${item.kind} · ${item.budget.period}`),
          ),
          el(
            'div',
            {
              class: 'meter',
              role: 'meter',
              'aria-valuemin': 0,
              'aria-valuemax': item.usage.budgetUsd,
              'aria-valuenow': item.usage.spendUsd,
              'aria-label': `${item.name} budget used`,
            },
            el('span', { style: `width:${Math.min(100, used * 100).toFixed(1)}%` }),
            el('i', {
              class: 'threshold',
              style: `left:${(threshold * 100).toFixed(1)}%`,
              title: `alert at ${fmtPct(threshold)}`,
            }),
          ),
          el(
            'div',
            { class: 'budget-top' },
            el(
              'span',
              {},
              `${fmtUsd(item.usage.spendUsd)} of ${fmtUsd(item.usage.budgetUsd)} (${fmtPct(used)})`,
            ),
            over
              ? el('span', { class: 'pill bad' }, 'Over budget')
              : alert
                ? el('span', { class: 'pill warn', 'data-alert': 'crossed' }, 'Soft limit crossed')
                : el('span', { class: 'pill ok' }, 'OK'),
          ),
          item.usage.periodEnd
            ? el('span', { class: 'muted' }, `Resets ${new Date(item.usage.periodEnd).toLocaleString()}`)
            : null,
        );
      }),
    );
  }

  // ---------- recent requests ----------
  function renderKeyFilter() {
    const select = $('#f-key');
    const current = select.value;
    select.replaceChildren(
      el('option', { value: '' }, 'all keys'),
      ...[...state.keys.values()].map((k) => el('option', { value: k.id }, keyName(k.id))),
    );
    select.value = state.keys.has(current) ? current : '';
  }

  function logQuery() {
    const params = new URLSearchParams(rangeQuery());
    for (const [name, value] of new FormData($('#filters')))
      if (String(value).trim()) params.set(name, String(value).trim());
    return params;
  }

  function statusPill(row) {
    const tone = row.status >= 500 ? 'bad' : row.status >= 400 ? 'warn' : row.errorCode ? 'bad' : 'ok';
    return el('span', { class: `pill ${tone}`, title: row.errorCode ?? '' }, String(row.status));
  }

  function logRow(row) {
    const served = row.provider
      ? `${row.provider}/${row.servedModel ?? ''}`
      : row.cache.startsWith('hit')
        ? 'cache'
        : '—';
    const flags = [row.stream ? 'stream' : null, row.cancelled ? 'cancelled' : null]
      .filter(Boolean)
      .join(' · ');
    const time = fmtTime(row.createdAt);
    // The whole row takes a click; the keyboard and screen readers get a real button (Enter and
    // Space, a role and a name), whose click reaches the row's handler.
    return el(
      'tr',
      {
        'data-log-id': row.id,
        'data-stream': row.stream ? 'true' : null,
        onclick: () => openDetail(row.id),
      },
      el(
        'td',
        { title: row.createdAt },
        el(
          'button',
          {
            type: 'button',
            class: 'row-open',
            'aria-haspopup': 'dialog',
            'aria-label': `Details of the request at ${time}, status ${row.status}${row.model ? `, model ${row.model}` : ''}`,
          },
          time,
        ),
      ),
      el('td', {}, statusPill(row), row.errorCode ? el('span', { class: 'tag' }, row.errorCode) : null),
      el('td', { class: 'name' }, nameOf('key', row.key)),
      el('td', {}, row.model ?? '—', flags ? el('span', { class: 'tag' }, flags) : null),
      el('td', {}, served),
      el('td', { class: 'num' }, fmtInt(row.usage.totalTokens)),
      el('td', { class: 'num' }, fmtUsd(row.costUsd)),
      el('td', { class: 'num' }, fmtMs(row.latencyMs)),
      el(
        'td',
        {},
        el(
          'span',
          { class: `pill ${row.cache.startsWith('hit') ? 'ok' : row.cache === 'miss' ? 'info' : ''}` },
          row.cache,
        ),
      ),
    );
  }

  async function loadLogs(reset) {
    const body = $('#logs tbody');
    // The next pages keep the first page's range: the cursor bounds them, a later "now" must not
    // move the window's start past rows not yet shown.
    if (reset || !state.logParams) {
      state.logParams = logQuery();
      state.logParams.set('limit', '50');
    }
    const params = new URLSearchParams(state.logParams);
    if (!reset && state.cursor) params.set('cursor', state.cursor);
    if (reset) body.replaceChildren(el('tr', {}, el('td', { colspan: 9, class: 'placeholder' }, 'Loading…')));
    const run = reset ? ++state.logPages : state.logPages;
    const page = await api(`/admin/logs?${params}`);
    // A first page asked for since (a refresh, the filters) replaces this one.
    if (run !== state.logPages) return;
    if (reset) body.replaceChildren();
    body.append(...page.data.map(logRow));
    if (reset && page.data.length === 0)
      body.replaceChildren(
        el(
          'tr',
          {},
          el(
            'td',
            { colspan: 9, class: 'placeholder' },
            'No requests match. Send one to /v1/chat/completions and refresh.',
          ),
        ),
      );
    state.cursor = page.nextCursor;
    state.logPagesShown = reset ? 1 : state.logPagesShown + 1;
    resolveNames(
      'key',
      page.data.map((row) => row.key),
    );
    $('#more').hidden = !page.nextCursor;
  }

  $('#filters').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await loadLogs(true);
      setBanner(null);
    } catch (error) {
      if (error.status === 401) return signOut('Your session ended: sign in again.');
      setBanner(`Could not load requests: ${error.message}`);
    }
  });
  $('#more').addEventListener('click', () =>
    loadLogs(false).catch((error) => setBanner(`Could not load more requests: ${error.message}`)),
  );

  // ---------- detail ----------
  function facts(pairs) {
    return el(
      'dl',
      { class: 'facts' },
      ...pairs.flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value ?? '—')]),
    );
  }

  function pretty(text) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }

  async function openDetail(id) {
    const dialog = $('#detail');
    const body = $('#detail-body');
    $('#detail-title').textContent = `Request ${id}`;
    body.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
    if (!dialog.open) dialog.showModal();
    let row;
    try {
      row = await api(`/admin/logs/${encodeURIComponent(id)}`);
    } catch (error) {
      body.replaceChildren(el('p', { class: 'form-error' }, `Could not load this request: ${error.message}`));
      return;
    }
    const attempts = row.attempts.length
      ? el(
          'div',
          { class: 'table-wrap' },
          el(
            'table',
            { class: 'data' },
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                el('th', {}, '#'),
                el('th', {}, 'Target'),
                el('th', {}, 'Status'),
                el('th', {}, 'Failure'),
                el('th', { class: 'num' }, 'Latency'),
                el('th', { class: 'num' }, 'Backoff'),
              ),
            ),
            el(
              'tbody',
              {},
              ...row.attempts.map((a, i) =>
                el(
                  'tr',
                  {},
                  el(
                    'td',
                    {},
                    String(i + 1),
                    a.retry ? el('span', { class: 'tag' }, `retry ${a.retry}`) : null,
                  ),
                  el('td', {}, `${a.provider}/${a.model}`),
                  el('td', {}, a.status ? String(a.status) : '—'),
                  el('td', {}, [a.failure, a.code].filter(Boolean).join(' · ') || '—'),
                  el('td', { class: 'num' }, fmtMs(a.latencyMs)),
                  el('td', { class: 'num' }, a.delayMs ? fmtMs(a.delayMs) : '—'),
                ),
              ),
            ),
          ),
        )
      : el('p', { class: 'muted' }, 'No provider was tried.');
    const bodies = [
      ['Request body', row.requestBody],
      ['Response body', row.responseBody],
    ].filter(([, text]) => text);
    const parts = [
      facts([
        ['Time', new Date(row.createdAt).toLocaleString()],
        ['Status', `${row.status}${row.errorCode ? ` · ${row.errorCode}` : ''}`],
        ['Endpoint', `${row.method} ${row.path}`],
        ['Key', nameOf('key', row.key)],
        ['Team', nameOf('team', row.team)],
        ['Model requested', row.model],
        ['Served by', row.provider ? `${row.provider}/${row.servedModel}` : null],
        ['Cache', row.cache],
        ['Input tokens', fmtInt(row.usage.inputTokens)],
        ['Output tokens', fmtInt(row.usage.outputTokens)],
        ['Cached tokens', fmtInt(row.usage.cachedTokens)],
        ['Cost', fmtUsd(row.costUsd)],
        ['Saved', fmtUsd(row.savedUsd)],
        ['Latency', fmtMs(row.latencyMs)],
        ['Time to first token', fmtMs(row.ttftMs)],
        ['Stream', row.stream ? (row.cancelled ? 'yes · cancelled by the client' : 'yes') : 'no'],
        ['Client request id', row.clientRequestId],
        ['Guardrails', row.guardrails?.map((g) => `${g.rule}: ${g.action} ×${g.count}`).join(', ') ?? null],
      ]),
      el('h3', {}, 'Attempts'),
      attempts,
      row.metadata ? el('h3', {}, 'Metadata') : null,
      row.metadata ? facts(Object.entries(row.metadata)) : null,
      ...(bodies.length
        ? bodies.flatMap(([title, text]) => [el('h3', {}, title), el('pre', { class: 'body' }, pretty(text))])
        : [
            el(
              'p',
              { class: 'muted' },
              row.zdr
                ? 'Zero-data-retention key: bodies are never kept.'
                : 'Bodies are kept only for keys with logBodies.',
            ),
          ]),
    ];
    body.replaceChildren(...parts.filter(Boolean));
    resolveNames('key', [row.key]);
    resolveNames('team', [row.team]);
  }

  $('#detail-close').addEventListener('click', () => $('#detail').close());
  $('#detail').addEventListener('click', (event) => {
    if (event.target === event.currentTarget) event.currentTarget.close();
  });

  // ---------- controls ----------
  function startTimer() {
    stopTimer();
    // A tick while a load is pending is skipped: a new refresh would make that one's answers stale.
    state.timer = setInterval(
      () => document.visibilityState === 'visible' && !state.loading && refresh({ auto: true }),
      REFRESH_MS,
    );
  }
  function stopTimer() {
    if (state.timer) clearInterval(state.timer);
    state.timer = null;
  }

  $('#range').addEventListener('change', (event) => {
    state.range = event.target.value;
    refresh();
  });
  $('#refresh').addEventListener('click', () => refresh());
  $('#banner-retry').addEventListener('click', () => refresh());
  $('#auto').addEventListener('change', (event) => (event.target.checked ? startTimer() : stopTimer()));
  $('#logout').addEventListener('click', () => signOut());

  if (state.token) showApp();
  else showLogin();
})();
