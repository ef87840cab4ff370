// How numbers, money, durations and times read on the dashboard.
const intFormat = new Intl.NumberFormat('en-US');
export const fmtInt = (n) => intFormat.format(Math.round(n ?? 0));
export const fmtPct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
export function fmtUsd(v) {
  const value = v ?? 0;
  if (value === 0) return '$0.00';
  const abs = Math.abs(value);
  if (abs >= 1)
    return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (abs >= 0.01) return `$${value.toFixed(4)}`;
  // Three significant digits for sub-cent amounts: $0.000123.
  return `$${value.toFixed(Math.min(10, 2 - Math.floor(Math.log10(abs))))}`;
}
export const fmtMs = (ms) =>
  ms === null || ms === undefined ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
export function fmtTime(iso) {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return today ? time : `${date.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}
