import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../agent/access/index.ts';
import { clubSnapshot } from '../../agent/access/rights-fixtures.ts';
import { buildBox, type Box } from '../../agent/box/build-box.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import { startBoxLocalUi } from '../../agent/local-ui/box-local-ui.ts';
import type { LocalUi } from '../../agent/local-ui/local-ui.ts';
import { TotemFeed } from '../../agent/local-ui/totem-feed.ts';
import { EscposPrinterSim } from '../../firmware-sim/printer/printer-sim.ts';
import { silentLogger } from '../../platform/log.ts';
import { foreignText } from '../support/french-text.ts';
import { shiftedClock } from '../support/shifted-clock.ts';
import { testDriverBox } from '../support/test-driver-box.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The box pages' HTTP surface on a box built as agent/main.ts builds it (mock transports):
 * every bad request gets a coded 4xx with a French message, and the desk API does what the
 * desk page asks (member lookup, manual entry tied to a member, correction, day pass).
 */
const CONFIG = `
box: { id: club-http, name: "Accueil Lumière" }
fleet: { url: "mqtt://127.0.0.1:1883", credentialsFile: creds.json }
dataDir: data
buses:
  - { id: io-entry, transport: { kind: mock, name: io-entry } }
devices:
  - { id: reader-entry, kind: em4100, transport: { kind: mock, name: reader-entry } }
  - { id: tripod-entry, kind: turnstile, bus: io-entry, address: 1, coils: { unlockIn: 0, unlockOut: 1 }, inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 }, mode: pulse, pulseMs: 200, passageWindowMs: 1500 }
  - { id: desk-printer, kind: printer, transport: { kind: mock, name: desk-printer }, columns: 42 }
lanes:
  - { id: entry, kind: entry, zone: gym, turnstile: tripod-entry, readers: [{ reader: reader-entry, direction: in }] }
printer: desk-printer
localUi: { port: 8080, host: 127.0.0.1, deskPinRef: "file:desk.pin" }
offline: { rightsMaxAgeHours: 72, whenRightsExpired: deny-all }
`;
const dir = mkdtempSync(join(tmpdir(), 'local-ui-http-'));
const clock = shiftedClock(Date.UTC(2026, 0, 5, 9, 0, 0)); // Monday 10:00 in Paris: the gym is open
const devices = testDriverBox();
const printer = new EscposPrinterSim(devices.link('desk-printer'));
let box: Box;
let ui: LocalUi;
let session = '';

type ErrorBody = { error: { code: string; message: string } };
async function expectRefusal(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  expect(foreignText(body.error.message)).toEqual([]);
}
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${ui.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: session, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${ui.url}${path}`, { headers: { cookie: session, ...headers } });

/** Bytes straight on the socket: what Node cannot parse never reaches a route. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(ui.url);
    const socket = connect(Number(url.port), url.hostname, () => socket.write(request));
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  writeFileSync(join(dir, 'box.yaml'), CONFIG);
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'desk.pin'), '482916\n', { mode: 0o600 });
  const loaded = await loadConfigFile(join(dir, 'box.yaml'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const totem = new TotemFeed();
  const built = buildBox({ loaded: loaded.value, drivers: devices.drivers, createTransport: devices.createTransport, clock, logger: silentLogger, decide: totem.wrap(decide) });
  if (!built.ok) throw new Error(JSON.stringify(built.error));
  box = built.value;
  const snapshot = clubSnapshot(3);
  const data = { ...snapshot.data, members: snapshot.data.members.map((m) => (m.id === 'm1' ? { ...m, displayName: 'Camille Martin', blockingAlerts: [{ id: 'a1', message: 'Certificat médical à fournir', until: Date.UTC(2026, 0, 20) }] } : m)) };
  expect(box.rights.applySnapshot({ ...snapshot, clubName: 'Club Lumière', data }).ok).toBe(true);
  await box.start();
  ui = await startBoxLocalUi({ box, loaded: loaded.value, totem, clock, logger: silentLogger, port: 0 });
  const login = await post('/api/desk/login', { operator: 'Léa', pin: '482916' });
  session = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await box?.stop();
  printer.detach();
  rmSync(dir, { recursive: true, force: true });
});

describe('bad requests to the box pages: a coded 4xx in French, never a 500', () => {
  it('a malformed session cookie is no session', async () => {
    expect((await fetch(`${ui.url}/desk`, { headers: { cookie: 'resabox_desk_club-http=%E0%A4%A' } })).status).toBe(200);
    await expectRefusal(await fetch(`${ui.url}/api/desk/state`, { headers: { cookie: 'resabox_desk_club-http=%; other=%%' } }), 401, 'DESK_SESSION_REQUIRED');
  });

  it('bodies that are not small JSON objects', async () => {
    await expectRefusal(await post('/api/desk/login', 'pin=1', { 'content-type': 'text/plain' }), 415, 'UI_UNSUPPORTED_MEDIA_TYPE');
    await expectRefusal(await post('/api/desk/login', '{"pin":'), 400, 'UI_NOT_JSON');
    await expectRefusal(await post('/api/desk/login', '[1,2]'), 400, 'UI_NOT_JSON');
    await expectRefusal(await post('/api/desk/login', { operator: 'x'.repeat(5000), pin: '1' }), 413, 'UI_PAYLOAD_TOO_LARGE');
    await expectRefusal(await post('/api/desk/login', { operator: 'Léa' }), 400, 'DESK_LOGIN_INCOMPLETE');
    await expectRefusal(await post('/api/desk/open', { laneId: 'entry', reason: 'x', direction: 'up' }), 400, 'DESK_DIRECTION_INVALID');
    await expectRefusal(await post('/api/desk/open', { laneId: 'nope', reason: 'x' }), 400, 'DESK_LANE_UNKNOWN');
    await expectRefusal(await post('/api/desk/open', { laneId: 'entry', reason: 'x', memberId: 'm-nobody' }), 404, 'DESK_MEMBER_UNKNOWN');
    await expectRefusal(await post('/api/desk/occupancy', { zoneId: 'gym', count: -1, reason: 'x' }), 400, 'DESK_COUNT_INVALID');
    await expectRefusal(await post('/api/totem/guest-pass', { presentationId: 'x' }), 404, 'TOTEM_NOTHING_TO_PRINT');
  });

  it('unknown paths, wrong methods, odd member ids and searches', async () => {
    await expectRefusal(await get('/nope'), 404, 'UI_NOT_FOUND');
    await expectRefusal(await get('/static/../../etc/passwd'), 404, 'UI_NOT_FOUND');
    await expectRefusal(await fetch(`${ui.url}/totem`, { method: 'DELETE' }), 405, 'UI_METHOD_NOT_ALLOWED');
    await expectRefusal(await fetch(`${ui.url}/api/totem/events`, { method: 'POST' }), 405, 'UI_METHOD_NOT_ALLOWED');
    await expectRefusal(await get('/api/desk/members/%E0%A4'), 404, 'DESK_MEMBER_UNKNOWN');
    await expectRefusal(await get('/api/desk/members?q=a'), 400, 'DESK_QUERY_INVALID');
    const head = await fetch(`${ui.url}/totem`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('requests Node itself cannot parse', async () => {
    for (const request of ['GARBAGE\r\n\r\n', `GET /totem HTTP/1.1\r\nHost: box\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 'GET /totem HTTP/1.1\r\nHost: box\r\nContent-Length: x\r\n\r\n']) {
      const answer = await raw(request);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      const message = (JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as ErrorBody).error.message;
      expect(foreignText(message)).toEqual([]);
    }
  });
});

describe('the desk API', () => {
  it('finds a member by name, badge or number in the box rights, with rights, alerts and passes', async () => {
    const byName = (await (await get('/api/desk/members?q=camille%20MART')).json()) as { members: { id: string; name: string; matched: string }[] };
    expect(byName.members).toEqual([{ id: 'm1', name: 'Camille Martin', matched: 'nom' }]);
    const byBadge = (await (await get('/api/desk/members?q=0x186A2')).json()) as { members: { id: string }[] };
    expect(byBadge.members.map((m) => m.id)).toEqual(['m2']);
    const card = (await (await get('/api/desk/members/m1')).json()) as Record<string, unknown>;
    expect(card).toMatchObject({ name: 'Camille Martin', rights: [{ kind: 'Carnet', zones: 'Plateau musculation', status: 'Valide', visitsLeft: 10 }], alerts: [{ message: 'Certificat médical à fournir', inForce: true }], inside: [], passes: [] });
  });

  it('a manual entry tied to a member is journaled with the member, the operator and the reason, and counts them inside', async () => {
    const opening = post('/api/desk/open', { laneId: 'entry', reason: 'badge oublié', memberId: 'm1' });
    // Nobody walks through the mock turnstile: the passage times out and is journaled as not passed.
    const res = await opening;
    expect(res.status).toBe(200);
    const { pass } = (await res.json()) as { pass: Record<string, string> };
    expect(pass).toMatchObject({ outcome: 'Ouverture manuelle', who: 'Camille Martin', operator: 'Léa' });
    const row = box.journal.readAfter(0, 10).find((p) => p.outcome === 'manual');
    expect(row).toMatchObject({ memberId: 'm1', operator: 'Léa', reason: 'manual-open' });
    expect(row?.note).toContain('badge oublié');
    const card = (await (await get('/api/desk/members/m1')).json()) as { passes: { outcome: string }[] };
    expect(card.passes.map((p) => p.outcome)).toEqual(['Ouverture manuelle']);
  }, 30_000);

  it('corrects occupancy (journaled) and prints a day pass; both show in the state', async () => {
    const corrected = await post('/api/desk/occupancy', { zoneId: 'gym', count: 3, reason: 'comptage' });
    expect(corrected.status).toBe(200);
    expect(box.journal.history.correctionsSince(0)).toMatchObject([{ zoneId: 'gym', count: 3, operator: 'Léa', reason: 'comptage' }]);
    expect((await post('/api/desk/day-pass', { holder: 'Sam Visiteur', zoneId: 'gym' })).status).toBe(202);
    await waitFor(() => printer.tickets.length === 1, 10_000, 'the day pass out of the printer');
    const state = (await (await get('/api/desk/state')).json()) as { club: string; zones: { name: string; inside: number }[]; figures: { dayPasses: number }; devices: { name: string }[] };
    expect(state.club).toBe('Club Lumière');
    expect(state.zones).toEqual([{ id: 'gym', name: 'Plateau musculation', inside: 3 }]);
    expect(state.figures.dayPasses).toBe(1);
    expect(state.devices.map((d) => d.name).sort()).toEqual(['Imprimante à tickets', 'Lecteur de badges · Entrée', 'Tourniquet · Entrée']);
  });
});
