/* global document */
// Inline SVG line chart of one health metric (no library).
const NS = 'http://www.w3.org/2000/svg';

export function lineChart(points, { label, unit = '' }) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', '0 0 300 90');
  svg.setAttribute('preserveAspectRatio', 'none');
  const title = document.createElementNS(NS, 'text');
  title.setAttribute('x', '4');
  title.setAttribute('y', '12');
  svg.append(title);
  if (points.length === 0) {
    title.textContent = `${label}: no data yet`;
    return svg;
  }
  const xs = points.map((p) => p.at);
  const ys = points.map((p) => p.value);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys, 1e-9)];
  const px = (x) => (x1 === x0 ? 150 : 4 + ((x - x0) / (x1 - x0)) * 292);
  const py = (y) => 86 - ((y - y0) / (y1 - y0 || 1)) * 68;
  const line = document.createElementNS(NS, 'polyline');
  line.setAttribute('points', points.map((p) => `${px(p.at).toFixed(1)},${py(p.value).toFixed(1)}`).join(' '));
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.append(line);
  const dot = document.createElementNS(NS, 'circle');
  dot.setAttribute('cx', px(xs[xs.length - 1]).toFixed(1));
  dot.setAttribute('cy', py(ys[ys.length - 1]).toFixed(1));
  dot.setAttribute('r', '2.5');
  svg.append(dot);
  const last = ys[ys.length - 1];
  title.textContent = `${label}: ${Number.isInteger(last) ? last : last.toFixed(2)}${unit} (max ${Number.isInteger(y1) ? y1 : y1.toFixed(2)}${unit})`;
  return svg;
}
