/* global document, EventSource */
// What the box pages share: calls to the box's API (French errors as they come), live
// streams, and French formats. Nothing here reaches beyond the box.
export const $ = (id) => document.getElementById(id);

/** A JSON call; resolves { ok, status, body } and never throws (a network error reads as the box being unreachable). */
export async function call(path, body) {
  try {
    const res = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { ok: res.ok, status: res.status, body: await res.json().catch(() => ({})) };
  } catch {
    return { ok: false, status: 0, body: { error: { message: 'Le boîtier ne répond pas : réessayez dans un instant.' } } };
  }
}

export const errorText = (r, fallback) => r.body?.error?.message ?? fallback;

/** An element with text content and attributes, children appended. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

/** Server-Sent Events with a handler per event name; `onError` when the stream drops. */
export function stream(path, handlers, onError) {
  const source = new EventSource(path);
  for (const [name, handle] of Object.entries(handlers)) source.addEventListener(name, (e) => handle(JSON.parse(e.data)));
  if (onError) source.addEventListener('error', () => onError(source));
  return source;
}

const timeFmt = new Intl.DateTimeFormat('fr-FR', { timeStyle: 'short' });
const dateFmt = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long' });
const dateTimeFmt = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short' });
export const time = (ms) => timeFmt.format(ms);
export const date = (ms) => dateFmt.format(ms);
export const dateTime = (ms) => dateTimeFmt.format(ms);
export const people = (n) => `${n} ${n > 1 ? 'personnes' : 'personne'}`;
