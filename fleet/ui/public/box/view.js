/* global document */
import { api, ApiError } from '../api.js';
import { esc, ago, pill } from '../html.js';
import { main } from '../shell.js';
import { notFoundPage } from '../view-not-found.js';
import { SECTIONS } from './sections.js';

/** A box is offline when it is enrolled but not connected now: its device states are stale. */
export const isOffline = (box) => box.status === 'active' && !box.online;

function header(box) {
  const status = box.status === 'active' ? pill(box.online ? 'online' : 'offline', box.online ? 'ok' : 'bad') : pill(box.status, 'warn');
  return `<h1>Box ${esc(box.id)} <span id="box-status">${status}</span></h1>
    <p class="muted">${esc(box.name)} · club ${esc(box.clubId ?? '-')} · agent v${esc(box.agentVersion ?? '?')} · rights v${esc(box.rightsVersion ?? '-')} · seen ${esc(ago(box.lastSeenAt))}</p>
    ${isOffline(box) ? `<p class="banner bad" id="offline-banner">This box is offline (last seen ${esc(ago(box.lastSeenAt))}): what it last reported is shown, its devices are unknown, and support actions are disabled until it is back.</p>` : ''}`;
}

/**
 * One box: a header and the sections of sections.js. The page is laid out once; a live
 * refresh redraws only the sections whose topics changed, in place.
 */
export const boxView = (boxId) => {
  let laidOut = false;
  return {
    topics: [...new Set(SECTIONS.flatMap((s) => s.topics))],
    async render(changed) {
      const id = encodeURIComponent(boxId);
      let box;
      try {
        box = await api(`/v1/boxes/${id}`);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return notFoundPage(`There is no box “${boxId}”.`, '#/', 'Back to the boxes');
        throw e;
      }
      const ctx = { box, id, offline: isOffline(box) };
      const wanted = laidOut && changed ? SECTIONS.filter((s) => s.topics.some((t) => changed.has(t)) || s.topics.includes('boxes')) : SECTIONS;
      const data = await Promise.all(wanted.map((s) => s.load(ctx)));
      if (!laidOut || !document.getElementById('box-sections')) {
        main.innerHTML = `<div id="box-header"></div><div id="box-sections" class="sections">${SECTIONS.map((s) => `<section class="card${s.wide ? ' wide' : ''}" id="section-${s.id}" data-section="${s.id}"><h2>${esc(s.title)}</h2><div class="body"></div></section>`).join('')}</div>`;
        laidOut = true;
      }
      document.getElementById('box-header').innerHTML = header(box);
      wanted.forEach((s, i) => s.render(document.querySelector(`#section-${s.id} .body`), data[i], ctx));
    },
  };
};
