// The figures at the top: totals of the selected range, each with the raw value for tests to read.
import { fmtInt, fmtMs, fmtPct, fmtUsd } from './format.js';

function setKpi(name, text, raw, sub, tone) {
  const value = document.querySelector(`[data-kpi="${name}"]`);
  value.textContent = text;
  value.dataset.raw = String(raw ?? '');
  value.classList.toggle('bad', tone === 'bad');
  value.classList.toggle('good', tone === 'good');
  document.querySelector(`[data-kpi-sub="${name}"]`).textContent = sub ?? '';
}

export function renderKpis(t) {
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
