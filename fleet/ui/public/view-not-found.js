import { esc } from './html.js';
import { main } from './shell.js';

/** The page for an address that names nothing: says what was not found and where to go. */
export function notFoundPage(what, href = '#/', label = 'Back to the boxes') {
  main.innerHTML = `<div class="card not-found" id="not-found"><h1>Not found</h1><p>${esc(what)}</p><p><a href="${esc(href)}">${esc(label)}</a></p></div>`;
}

export const notFoundView = (hash) => ({
  topics: [],
  async render() {
    notFoundPage(`There is no page at “${hash}”.`);
  },
});
