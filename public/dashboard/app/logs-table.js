// The recent requests: the filters, the table of log rows, and paging with Load more.
import { api, rangeQuery } from './api.js';
import { $, el, setBanner } from './dom.js';
import { fmtInt, fmtMs, fmtTime, fmtUsd } from './format.js';
import { openDetail } from './log-detail.js';
import { nameOf, resolveNames } from './names.js';
import { signOut } from './session.js';
import { state } from './state.js';

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

export async function loadLogs(reset) {
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
