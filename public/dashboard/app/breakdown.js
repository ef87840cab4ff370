// The breakdown table by model, provider, key or team, and its tabs (the WAI-ARIA tabs pattern).
import { api, rangeQuery } from './api.js';
import { $, el, setBanner } from './dom.js';
import { fmtInt, fmtMs, fmtPct, fmtUsd } from './format.js';
import { groupName, nameOf, resolveNames } from './names.js';
import { signOut } from './session.js';
import { state } from './state.js';

const GROUP_LABELS = { model: 'Model', provider: 'Provider', key: 'Key', team: 'Team' };

/** `result` is the analytics grouped by `group`, the tab it was asked for. */
export function renderBreakdown(result, totals, group) {
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
          g.errors ? el('span', { class: 'pill bad' }, `${fmtInt(g.errors)} · ${fmtPct(g.errorRate)}`) : '0',
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
