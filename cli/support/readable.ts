import { when } from './table.ts';

/**
 * Device details and health as a person reads them: "request timeouts 76", "cover open no",
 * "last error MODBUS_TIMEOUT: unit 1 did not answer (2026-12-07 10:15:57)". The agent
 * reports details as free-form JSON per driver; the names follow its conventions (camelCase,
 * `...Ms` durations, `...At`/`...Since` instants in epoch ms, `...Bytes` sizes).
 */
export function label(key: string): string {
  return key
    .replace(/(Ms|Bytes|S)$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

export function bytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(0)} MiB`;
  return `${Math.round(n / 1024)} KiB`;
}

/** "3 min ago", "2 h 5 min", from a span in ms. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

function value(key: string, v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') {
    if (/(At|Since)$/.test(key)) return when(v);
    if (/Ms$/.test(key)) return `${v} ms`;
    if (/Bytes$/.test(key)) return bytes(v);
    if (/S$/.test(key)) return span(v * 1000);
    return String(v);
  }
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.code === 'string') return `${o.code}${typeof o.message === 'string' ? `: ${o.message}` : ''}${typeof o.at === 'number' ? ` (${when(o.at)})` : ''}`;
    return Object.entries(o)
      .map(([k, x]) => `${label(k)} ${value(k, x)}`)
      .join(', ');
  }
  return Array.isArray(v) ? v.map((x) => value('', x)).join(', ') : String(v);
}

/** `label value` pairs of an object, wrapped into lines of about `width` columns. */
export function fields(detail: unknown, skip: readonly string[] = [], width = 96): string[] {
  if (!detail || typeof detail !== 'object') return [];
  const pairs = Object.entries(detail as Record<string, unknown>)
    .filter(([k, v]) => !skip.includes(k) && v !== null && v !== undefined)
    .map(([k, v]) => `${label(k)} ${value(k, v)}`);
  const lines: string[] = [];
  let line = '';
  for (const p of pairs) {
    if (line && line.length + 2 + p.length > width) {
      lines.push(line);
      line = p;
    } else line = line ? `${line}, ${p}` : p;
  }
  if (line) lines.push(line);
  return lines;
}
