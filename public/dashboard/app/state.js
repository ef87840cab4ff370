// The dashboard's one mutable state: the signed-in token, the range and tab shown, the names read,
// the charts drawn and the counters that tell a stale answer from the latest.
export const TOKEN_KEY = 'tollgate.adminToken';

export const state = {
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

/** What the names cache knows: when the lists were read, which kinds this token may not list, which ids were read. */
export function newNames() {
  return { at: 0, pending: null, denied: { key: false, team: false }, asked: new Set() };
}
