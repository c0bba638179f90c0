/* global document */
// What every dashboard view shares: the main element, who is signed in, toasts, and a way
// to ask for the current view to be drawn again. Views live in view-*.js, one per page.
import { pill } from './html.js';

export const main = document.getElementById('main');
export const state = { me: null, view: null };

export function toast(text) {
  const t = document.createElement('div');
  t.className = 'toast';
  t.textContent = text;
  document.body.append(t);
  setTimeout(() => t.remove(), 4000);
}

/** A remote or front-desk open is not a credential decision: the fleet stores it as not granted, with reason manual-open. */
export const passResult = (p) => (p.granted ? pill('granted', 'ok') : p.outcome === 'manual' ? pill('manual open', 'warn') : pill('refused', 'bad'));

export const may = (permission) => state.me?.permissions.includes(permission) ?? false;

let redraw = () => Promise.resolve();
/** app.js registers how to redraw; views call refresh() after an action. */
export const setRefresh = (fn) => (redraw = fn);
export const refresh = (changed) => redraw(changed);
