/* global location, FormData */
import { api, ApiError } from './api.js';
import { esc } from './html.js';
import { main } from './shell.js';

const checkboxes = (name, items) => items.map((i) => `<label class="check"><input type="checkbox" name="${name}" value="${esc(i.id)}"> ${esc(i.label)}</label>`).join('');
const checked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

/**
 * Creating a rollout of a release: which boxes (by box, club or tag), the waves (a canary,
 * then cumulative percentages), the error threshold that halts it, and whether boxes wait
 * for their club's closing hours. Started at once or kept as a draft.
 */
export const rolloutNewView = (targetName) => ({
  topics: [],
  async render() {
    const [{ releases }, { boxes }, { clubs }] = await Promise.all([api('/v1/updates/releases'), api('/v1/boxes?status=active&limit=1000'), api('/v1/clubs')]);
    const release = releases.find((r) => r.targetName === targetName) ?? releases[0];
    if (!release) {
      main.innerHTML = '<h1>New rollout</h1><p class="muted">No release yet: publish one with <code>resabox release publish</code>.</p>';
      return;
    }
    const fit = boxes.filter((b) => b.hardware === release.hardware);
    const tags = [...new Set(boxes.flatMap((b) => b.tags))].sort();
    main.innerHTML = `<h1>New rollout</h1>
      <form id="rollout-form" class="card form">
        <label>Release <select name="release">${releases.map((r) => `<option value="${esc(r.targetName)}" ${r === release ? 'selected' : ''}>${esc(r.version)} for ${esc(r.hardware)}</option>`).join('')}</select></label>
        <label>Name <input name="name" required maxlength="120" value="${esc(`Release ${release.version}`)}"></label>
        <fieldset><legend>Target: the boxes matching any of these (${esc(fit.length)} of ${esc(boxes.length)} active boxes have hardware ${esc(release.hardware)})</legend>
          <div class="checks" id="target-boxes">${checkboxes('box', boxes.map((b) => ({ id: b.id, label: `${b.id} (${b.hardware ?? 'hardware ?'}, ${b.agentVersion ?? '?'})` })))}</div>
          <div class="checks" id="target-clubs">${checkboxes('club', clubs.map((c) => ({ id: c.id, label: `club ${c.name}` })))}</div>
          <div class="checks" id="target-tags">${checkboxes('tag', tags.map((t) => ({ id: t, label: `tag ${t}` })))}</div>
        </fieldset>
        <fieldset><legend>Waves</legend>
          <label>Canary boxes (wave 1) <input name="canary" type="number" min="0" max="1000" value="1"></label>
          <label>Later waves, cumulative % <input name="percents" value="100" pattern="[0-9]+(,[0-9]+)*" title="e.g. 25,100"></label>
          <label>Halt when more than this % of the opened waves failed <input name="errorThreshold" type="number" min="0" max="100" value="10"></label>
        </fieldset>
        <label class="check"><input type="checkbox" name="outsideOpeningHours"> Install only while the club is closed (opening hours)</label>
        <label>Ticket <input name="ticket" maxlength="64" placeholder="SUP-1234"></label>
        <div class="actions"><button type="submit" name="start" value="yes" id="create-start">Create and start</button><button type="submit" class="secondary" name="start" value="no" id="create-draft">Keep as draft</button></div>
        <p id="form-error" class="error"></p>
      </form>`;
    const form = main.querySelector('#rollout-form');
    form.querySelector('select[name="release"]').addEventListener('change', (e) => (location.hash = `#/rollout-new/${encodeURIComponent(e.target.value)}`));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const chosen = releases.find((r) => r.targetName === data.get('release'));
      const body = {
        name: data.get('name'),
        version: chosen.version,
        targetName: chosen.targetName,
        hardware: chosen.hardware,
        channel: chosen.channel,
        target: { boxes: checked(form, 'box'), clubs: checked(form, 'club'), tags: checked(form, 'tag') },
        waves: { canary: Number(data.get('canary')), percents: String(data.get('percents')).split(',').map(Number) },
        errorThresholdPct: Number(data.get('errorThreshold')),
        maintenance: { outsideOpeningHours: data.get('outsideOpeningHours') === 'on' },
        start: e.submitter?.value === 'yes',
        ...(data.get('ticket') ? { ticket: data.get('ticket') } : {}),
      };
      try {
        const r = await api('/v1/rollouts', { method: 'POST', body });
        location.hash = `#/rollout/${encodeURIComponent(r.id)}`;
      } catch (err) {
        form.querySelector('#form-error').textContent = err instanceof ApiError ? err.message : String(err);
      }
    });
  },
});
