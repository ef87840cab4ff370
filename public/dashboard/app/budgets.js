// Budget cards of the keys and teams that have one, fullest first, with their soft-limit alerts.
import { $, el } from './dom.js';
import { fmtPct, fmtUsd } from './format.js';

export function renderBudgets(keys, teams) {
  const container = $('#budgets');
  if (!keys && !teams) {
    container.replaceChildren(el('div', { class: 'empty-state' }, 'This token may not read keys and teams.'));
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
  // Past the list's bound (2,000 keys or teams with a budget) the rest are not read: say so.
  const partial =
    keys?.truncated || teams?.truncated
      ? ' (only the first 2,000 keys and 2,000 teams with a budget are read)'
      : '';
  $('#budget-summary').textContent = crossed
    ? `${crossed} of ${items.length} past their alert threshold${partial}`
    : `${items.length} with a budget, none past its alert threshold${partial}`;
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
