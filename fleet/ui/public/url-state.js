/* global location, URLSearchParams */
// A view's filters live in the address (`#/audit?actor=alice&page=2`), so that a reload,
// a bookmark or a shared link shows the same rows. The router draws the page from it.

/** The query of the address now (not of the view being drawn: two quick changes must not undo each other). */
export const hashParams = () => new URLSearchParams(location.hash.split('?')[1] ?? '');

/** Goes to `#/<path>?<state>`, leaving out empty values and those equal to `defaults`. */
export function goTo(path, state, defaults = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== '' && v !== undefined && v !== null && String(v) !== String(defaults[k] ?? '')) p.set(k, String(v));
  const hash = `#/${path}${p.size ? `?${p}` : ''}`;
  if (location.hash !== hash && !(hash === '#/' && location.hash === '')) location.hash = hash;
}
