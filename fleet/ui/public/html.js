// Small HTML helpers: everything shown goes through esc().
export const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

export const fmtTime = (ms) => (ms ? new Date(ms).toLocaleString() : '');

export function ago(ms) {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** A coloured label; `tone` is ok, warn, bad or empty. */
export const pill = (text, tone = '') => `<span class="pill ${tone}">${esc(text)}</span>`;

/** A table from already-escaped cells. */
export function table(headers, rows, id = '') {
  if (rows.length === 0) return '<p class="muted">Nothing yet.</p>';
  return `<table${id ? ` id="${id}"` : ''}><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}
