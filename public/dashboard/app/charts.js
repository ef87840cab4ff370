// The three time-series charts (requests and errors, cost and savings, latency), drawn with the
// vendored uPlot (a global from /vendor/uplot/uPlot.iife.min.js) and redrawn in place on refresh.
import { $, el } from './dom.js';
import { fmtInt, fmtMs, fmtUsd } from './format.js';
import { state } from './state.js';

const COLORS = { accent: '#4f46e5', bad: '#d93025', good: '#0f9d58', warn: '#c77700', muted: '#9aa0b8' };

/** A bar series of the stacked charts, its legend value in `fmt`. */
const bars = (label, stroke, fill, fmt) => ({
  label,
  stroke,
  fill,
  bars: true,
  value: (_u, v) => (v == null ? '—' : fmt(v)),
});

const CHARTS = {
  requests: {
    el: '#chart-requests',
    series: [
      bars('Requests', COLORS.accent, 'rgba(79,70,229,0.55)', fmtInt),
      bars('Errors', COLORS.bad, 'rgba(217,48,37,0.8)', fmtInt),
    ],
    pick: (s) => [s.requests, s.errors],
    axis: (v) => fmtInt(v),
  },
  cost: {
    el: '#chart-cost',
    series: [
      bars('Cost', COLORS.accent, 'rgba(79,70,229,0.55)', fmtUsd),
      bars('Saved by cache', COLORS.good, 'rgba(15,157,88,0.6)', fmtUsd),
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

export function renderCharts(series) {
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
