// The detail dialog of one request: its facts, attempts, metadata and, when kept, its bodies.
import { api } from './api.js';
import { $, el } from './dom.js';
import { fmtInt, fmtMs, fmtUsd } from './format.js';
import { nameOf, resolveNames } from './names.js';

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

export async function openDetail(id) {
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
