// Names of keys and teams for the ids the API answers with: lists read at sign-in (and now and
// then), ids they lack read one by one, and every name shown kept up to date as they arrive.
import { api, listAll, optional } from './api.js';
import { $, el } from './dom.js';
import { state } from './state.js';

// Names change rarely: the lists of keys and teams are read again at most this often (ids not in
// them are read one by one as they show, see resolveNames).
const NAMES_MS = 10 * 60_000;
// At most this many ids read one by one per table drawn (each once per session).
const NAME_READS = 20;

export const keyName = (id) => {
  if (!id) return '(none)';
  const key = state.keys.get(id);
  if (!key) return id;
  return `${key.name} (${key.prefix}${key.revokedAt ? ', revoked' : ''})`;
};
export const teamName = (id) => {
  if (!id) return '(no team)';
  const team = state.teams.get(id);
  if (!team) return id;
  return team.retiredAt ? `${team.name} (retired)` : team.name;
};
export const groupName = (group, value) => {
  if (group === 'key') return keyName(value);
  if (group === 'team') return teamName(value);
  if (value === null) return group === 'provider' ? '(not routed)' : '(no model)';
  return value;
};

/**
 * The names of keys (revoked ones too) and teams (retired ones too: their past requests still
 * show), listed without usage: no Durable Object call per key. Read at sign-in, then again at most
 * every NAMES_MS; what resolveNames read meanwhile is kept.
 */
export function loadNames() {
  const names = state.names;
  if (names.pending && Date.now() - names.at < NAMES_MS) return names.pending;
  names.at = Date.now();
  const pending = Promise.all([
    listAll('/admin/keys?usage=false&includeRevoked=true', 50).catch(optional),
    listAll('/admin/teams?usage=false&includeRetired=true', 50).catch(optional),
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
export async function resolveNames(kind, ids) {
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
export const nameOf = (kind, id) =>
  el('span', { [`data-${kind}-name`]: id }, kind === 'key' ? keyName(id) : teamName(id));

export function showNames() {
  for (const node of document.querySelectorAll('[data-key-name]'))
    node.textContent = keyName(node.dataset.keyName);
  for (const node of document.querySelectorAll('[data-team-name]'))
    node.textContent = teamName(node.dataset.teamName);
}

/** The key filter of the requests list offers every key named so far. */
function renderKeyFilter() {
  const select = $('#f-key');
  const current = select.value;
  select.replaceChildren(
    el('option', { value: '' }, 'all keys'),
    ...[...state.keys.values()].map((k) => el('option', { value: k.id }, keyName(k.id))),
  );
  select.value = state.keys.has(current) ? current : '';
}
