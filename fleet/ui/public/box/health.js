/* global document, CSS */
import { api } from '../api.js';
import { esc } from '../html.js';
import uPlot from '../vendor/uPlot.esm.js';

const WINDOW_MS = 2 * 3600_000;
const HEIGHT = 180;

/** How each series reads: a title, the unit shown, and the factor from the stored value. */
const METRICS = {
  'cpu.usage_pct': { title: 'CPU usage', unit: '%', factor: 1 },
  'memory.rss_bytes': { title: 'Agent memory (RSS)', unit: 'MiB', factor: 1 / 1048576 },
  'journal.backlog': { title: 'Passes waiting to be sent', unit: 'passes', factor: 1 },
  'disk.free_pct': { title: 'Free disk', unit: '%', factor: 1 },
  'cpu.load1': { title: 'Load average (1 min)', unit: '', factor: 1 },
  'memory.free_bytes': { title: 'Free memory', unit: 'MiB', factor: 1 / 1048576 },
  'disk.free_bytes': { title: 'Free disk', unit: 'GiB', factor: 1 / 1073741824 },
  temperature_c: { title: 'Temperature', unit: '°C', factor: 1 },
  clock_offset_ms: { title: 'Clock offset', unit: 'ms', factor: 1 },
  'rights.age_s': { title: 'Rights age', unit: 'min', factor: 1 / 60 },
  uptime_s: { title: 'Agent uptime', unit: 'h', factor: 1 / 3600 },
};
const CHARTS = 4;
const ORDER = Object.keys(METRICS);
const describe = (metric) => METRICS[metric] ?? { title: metric, unit: '', factor: 1 };
const fmt = (v) => (v == null ? '–' : Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1));

/** uPlot options of one metric: a time axis, a y axis with the unit, and the cursor legend as its tooltip. */
function options(metric, width, range) {
  const { title, unit } = describe(metric);
  const withUnit = (v) => `${fmt(v)}${unit ? ` ${unit}` : ''}`;
  return {
    title,
    width,
    height: HEIGHT,
    // The whole window, even with few points: a single sample would otherwise stretch the axis over years.
    scales: { x: { time: true, range: () => range.x } },
    series: [{ label: 'time' }, { label: title, stroke: '#1f4fd8', width: 1.5, fill: 'rgba(31,79,216,0.08)', value: (_u, v) => withUnit(v) }],
    axes: [{}, { label: unit || undefined, size: 60, values: (_u, ticks) => ticks.map(fmt) }],
    legend: { live: true },
  };
}

/**
 * Health charts drawn by uPlot. A chart is created once per metric and kept in the
 * section's element; a live update only calls setData() with the new points.
 */
export const healthSection = {
  id: 'health',
  title: 'Health (last 2 h)',
  wide: true,
  topics: ['health'],
  async load({ id }) {
    const to = Date.now();
    return { to, health: await api(`/v1/boxes/${id}/health?from=${to - WINDOW_MS}`) };
  },
  render(el, { to, health }) {
    const byMetric = Map.groupBy(health.points, (p) => p.metric);
    const shown = [...byMetric.keys()].sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b)).slice(0, CHARTS);
    el.charts ??= new Map();
    // Shared by every chart's range function: updated in place, read at each redraw.
    el.range ??= { x: [0, 0] };
    el.range.x = [(to - WINDOW_MS) / 1000, to / 1000];
    if (shown.length === 0) {
      el.innerHTML = '<p class="muted">No health sample yet.</p>';
      el.charts.clear();
      return;
    }
    if (!el.querySelector('.charts')) el.innerHTML = '<div class="charts"></div>';
    const holder = el.querySelector('.charts');
    for (const [metric, chart] of el.charts) {
      if (!shown.includes(metric)) {
        chart.destroy();
        el.charts.delete(metric);
        holder.querySelector(`[data-metric="${CSS.escape(metric)}"]`)?.remove();
      }
    }
    for (const metric of shown) {
      const points = byMetric.get(metric);
      const { factor } = describe(metric);
      const data = [points.map((p) => p.at / 1000), points.map((p) => p.value * factor)];
      const chart = el.charts.get(metric);
      if (chart) chart.setData(data);
      else {
        const box = document.createElement('div');
        box.className = 'chart';
        box.dataset.metric = metric;
        holder.append(box);
        el.charts.set(metric, new uPlot(options(metric, Math.max(260, box.clientWidth), el.range), data, box));
        box.setAttribute('aria-label', `${esc(describe(metric).title)} chart`);
      }
    }
  },
};
