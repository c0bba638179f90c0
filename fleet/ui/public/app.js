/* global document, window, location, URLSearchParams */
// The RESABOX technical-team dashboard: hash-routed views over the fleet API, refreshed by
// the fleet's change stream. Every value from the API is escaped before it reaches the page.
import { api, ApiError, liveChanges, token } from './api.js';
import { esc } from './html.js';
import { main, setRefresh, state } from './shell.js';
import { alertsView } from './view-alerts.js';
import { auditView } from './view-audit.js';
import { boxView } from './box/view.js';
import { boxesView } from './view-boxes.js';
import { memberView } from './view-member.js';
import { timelineView } from './view-timeline.js';
import { notFoundView } from './view-not-found.js';
import { passesView } from './view-passes.js';
import { releasesView } from './view-releases.js';
import { reportsView } from './view-reports.js';
import { rolloutView } from './view-rollout.js';
import { rolloutNewView } from './view-rollout-new.js';
import { rolloutsView } from './view-rollouts.js';

// ---- routing and live refresh ----

/** `#/name/arg?query` -> view. One line per page; a view is `{ topics, render(changed) }`. */
const ROUTES = {
  '': (_arg, params) => boxesView(params),
  box: (arg) => boxView(arg),
  alerts: () => alertsView(),
  passes: (arg) => passesView(arg),
  rollouts: () => rolloutsView(),
  rollout: (arg) => rolloutView(arg),
  'rollout-new': (arg) => rolloutNewView(arg),
  releases: () => releasesView(),
  reports: (_arg, params) => reportsView(params),
  audit: (_arg, params) => auditView(params),
  members: (arg) => memberView(arg),
  timeline: (arg) => timelineView(arg),
};

function route() {
  // The query (`?q=...`) also stays at the end of `arg`, where the member and timeline views read it.
  const [, first = '', arg] = location.hash.split('/').map(decodeURIComponent);
  const name = first.split('?')[0];
  const query = location.hash.split('?')[1] ?? '';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === `#/${name}`);
  return Object.hasOwn(ROUTES, name) ? ROUTES[name](arg, new URLSearchParams(query)) : notFoundView(location.hash);
}

let rendering = Promise.resolve();
function redraw(changed) {
  const view = state.view;
  rendering = rendering.then(() =>
    view.render(changed).catch((e) => {
      if (e instanceof ApiError && e.status === 401) return signIn('That token is not valid any more.');
      main.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    }),
  );
  return rendering;
}

setRefresh(redraw);

async function updateAlertCount() {
  const { alerts } = await api('/v1/alerts?status=open&limit=500');
  document.getElementById('alert-count').textContent = alerts.length ? String(alerts.length) : '';
}

function signIn(message = '') {
  const dialog = document.getElementById('login');
  document.getElementById('login-error').textContent = message;
  if (!dialog.open) dialog.showModal();
}

let stopLive = () => {};

/** Forgets the token in this browser and stops the live stream; the token itself stays valid (revoke it with `resabox-fleet token revoke`). */
function signOut() {
  stopLive();
  token.clear();
  state.me = null;
  document.getElementById('who').textContent = '';
  document.getElementById('sign-out').hidden = true;
  main.innerHTML = '<p class="muted" id="signed-out">Signed out.</p>';
  signIn('');
}

let started = false;
async function start() {
  try {
    state.me = await api('/v1/me');
  } catch {
    return signIn(token.get() ? 'That token was refused.' : '');
  }
  document.getElementById('who').textContent = `${state.me.name} (${state.me.role})`;
  document.getElementById('sign-out').hidden = false;
  state.view = route();
  if (!started) {
    started = true;
    window.addEventListener('hashchange', () => {
      if (!state.me) return;
      state.view = route();
      void redraw();
    });
  }
  await redraw();
  void updateAlertCount();
  let pending = new Set();
  let timer;
  stopLive = liveChanges(
    (topics) => {
      for (const t of topics) pending.add(t);
      clearTimeout(timer);
      // Coalesce bursts (a box sends health, events and passes together) into one refetch.
      timer = setTimeout(() => {
        const changed = pending;
        pending = new Set();
        if (changed.has('alerts')) void updateAlertCount();
        if (state.view.topics.some((t) => changed.has(t))) void redraw(changed);
      }, 250);
    },
    (on) => {
      const live = document.getElementById('live');
      live.textContent = on ? 'live' : 'offline';
      live.classList.toggle('on', on);
    },
  );
}

document.getElementById('sign-out').addEventListener('click', signOut);
document.getElementById('login-form').addEventListener('submit', () => {
  token.set(document.getElementById('token').value.trim());
  void start();
});
void start();
