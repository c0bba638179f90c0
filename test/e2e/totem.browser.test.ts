import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../agent/access/index.ts';
import { clubSnapshot } from '../../agent/access/rights-fixtures.ts';
import { buildBox, type Box } from '../../agent/box/build-box.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import { startBoxLocalUi } from '../../agent/local-ui/box-local-ui.ts';
import type { LocalUi } from '../../agent/local-ui/local-ui.ts';
import { TotemFeed } from '../../agent/local-ui/totem-feed.ts';
import { Em4100ReaderSim } from '../../firmware-sim/em4100/em4100-sim.ts';
import { EscposPrinterSim } from '../../firmware-sim/printer/printer-sim.ts';
import { ticketLines, ticketQrPayloads } from '../../firmware-sim/printer/ticket.ts';
import { createTurnstileSim } from '../../firmware-sim/turnstile/index.ts';
import { silentLogger } from '../../platform/log.ts';
import { shiftedClock } from '../support/shifted-clock.ts';
import { testDriverBox } from '../support/test-driver-box.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The box's local pages in a real browser (headless Chromium through playwright-core)
 * against a running box built like agent/main.ts builds it: the real config loader,
 * composition root and driver registry, the EM4100 reader driver against the firmware-sim
 * reader, the Modbus turnstile driver against the simulated I/O module and arm (a person
 * walks through), rights store and decide(), lanes, SQLite journal, the ESC/POS printer
 * driver against the firmware-sim printer, and the local UI server on an ephemeral port.
 */
const CONFIG = `
box: { id: club-e2e, name: "Club Lumière" }
fleet: { url: "mqtt://127.0.0.1:1883", credentialsFile: creds.json }
dataDir: data
buses:
  - { id: io-entry, transport: { kind: mock, name: io-entry } }
devices:
  - { id: reader-entry, kind: em4100, transport: { kind: mock, name: reader-entry } }
  - id: tripod-entry
    kind: turnstile
    bus: io-entry
    address: 1
    coils: { unlockIn: 0, unlockOut: 1 }
    inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 }
    mode: pulse
    pulseMs: 200
    passageWindowMs: 3000
  - { id: desk-printer, kind: printer, transport: { kind: mock, name: desk-printer }, columns: 42 }
lanes:
  - { id: entry, kind: entry, zone: gym, turnstile: tripod-entry, readers: [{ reader: reader-entry, direction: in }] }
printer: desk-printer
localUi: { port: 8080, host: 127.0.0.1, deskPinRef: "file:desk.pin" }
offline: { rightsMaxAgeHours: 72, whenRightsExpired: deny-all }
lanePolicy: { debounceMs: 300 }
`;
const PIN = '482916';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SUBSCRIPTION_END = Date.UTC(2026, 5, 30, 12, 0, 0);

const dir = mkdtempSync(join(tmpdir(), 'totem-e2e-'));
const clock = shiftedClock(Date.UTC(2026, 0, 5, 9, 0, 0)); // a Monday, 10:00 in Paris: the gym is open
const devices = testDriverBox();
const arm = createTurnstileSim(devices.link('io-entry'), clock, { windowMs: 2500, personDelayMs: [50, 100] });
const reader = new Em4100ReaderSim(devices.link('reader-entry'), { clock });
const printerSim = new EscposPrinterSim(devices.link('desk-printer'));
const totem = new TotemFeed();
let box: Box;
let ui: LocalUi;
let browser: Browser;
const externalRequests: string[] = [];

/** Holds a card in the reader's field until the lane decided, then takes it away. */
async function badge(tag: number, until: () => boolean): Promise<void> {
  reader.present({ version: 0, tag });
  await waitFor(until, 15_000, `the decision for badge ${tag}`);
  reader.remove();
}

async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith(ui.url)) externalRequests.push(r.url());
  });
  return page;
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(dir, 'box.yaml'), CONFIG);
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'desk.pin'), `${PIN}\n`, { mode: 0o600 });
  const loaded = await loadConfigFile(join(dir, 'box.yaml'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const built = buildBox({ loaded: loaded.value, drivers: devices.drivers, createTransport: devices.createTransport, clock, logger: silentLogger, decide: totem.wrap(decide) });
  if (!built.ok) throw new Error(JSON.stringify(built.error));
  box = built.value;
  const snapshot = clubSnapshot(2);
  const named = { ...snapshot, data: { ...snapshot.data, members: snapshot.data.members.map((m) => (m.id === 'm0' ? { ...m, displayName: 'Camille Martin', subscriptionEnd: SUBSCRIPTION_END } : m)) } };
  expect(box.rights.applySnapshot(named).ok).toBe(true);
  await box.start();
  ui = await startBoxLocalUi({ box, loaded: loaded.value, totem, clock, logger: silentLogger, port: 0 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ui?.close();
  await box?.stop();
  printerSim.detach();
  arm.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('the totem and the front desk in a browser', () => {
  it('a known badge: welcome with the name and subscription end; a guest pass prints with its signed QR', async () => {
    const page = await newPage();
    await page.goto(`${ui.url}/totem`);
    await page.locator('#club', { hasText: 'Club Lumière' }).waitFor({ timeout: 30_000 });
    await badge(100000, () => box.journal.stats().lastSeq >= 1);
    await page.locator('#welcome').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.locator('#member-name').textContent()).toBe('Camille Martin');
    expect(await page.locator('#subscription').textContent()).toBe('Votre abonnement court jusqu’au 30 juin 2026.');
    await page.screenshot({ path: join(ARTIFACTS, 'totem-welcome.png') });
    await page.getByRole('button', { name: 'Imprimer un pass invité pour la journée' }).click();
    await page.getByText('Pass invité imprimé').waitFor({ timeout: 30_000 });
    await waitFor(() => printerSim.tickets.length === 1, 30_000, 'the ticket out of the simulated printer');
    const lines = ticketLines(printerSim.tickets[0]!);
    expect(lines).toContain('Club Lumière');
    expect(lines).toContain('ENTRÉE 1 JOUR');
    expect(lines).toContain('Invité de Camille M.');
    expect(ticketQrPayloads(printerSim.tickets[0]!)[0]).toMatch(/^RBT1\./);
    await page.close();
  }, 120_000);

  it('an unknown badge: the refusal in plain words', async () => {
    const page = await newPage();
    await page.goto(`${ui.url}/totem`);
    await page.locator('#club', { hasText: 'Club Lumière' }).waitFor({ timeout: 30_000 });
    const before = box.journal.stats().lastSeq;
    await badge(424242, () => box.journal.stats().lastSeq > before);
    await page.locator('#refused').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.locator('#refusal-reason').textContent()).toBe('Badge inconnu');
    expect(await page.locator('#refusal-advice').textContent()).toBe('Ce badge n’est pas enregistré : présentez-vous à l’accueil.');
    expect(await page.locator('#welcome').isHidden()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'totem-refused.png') });
    await page.close();
  }, 120_000);

  it('the front desk: a wrong PIN is refused, then live passes, and a manual open is journaled', async () => {
    const page = await newPage();
    await page.goto(`${ui.url}/desk`);
    await page.locator('#login').waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('#login-operator').fill('Léa (accueil)');
    await page.locator('#login-pin').fill('000000');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByText('Code PIN incorrect.').waitFor({ timeout: 30_000 });
    await page.locator('#login-pin').fill(PIN);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.locator('#console').waitFor({ state: 'visible', timeout: 30_000 });
    // The two earlier passes are listed with the reason in words and the member's name.
    await page.locator('#passes tr', { hasText: 'Camille Martin' }).waitFor({ timeout: 30_000 });
    await page.locator('#passes tr', { hasText: 'Badge inconnu' }).waitFor({ timeout: 30_000 });
    await page.locator('#devices tr', { hasText: 'Imprimante à tickets' }).waitFor({ timeout: 30_000 });

    // A pass made while the page is open arrives live.
    const before = box.journal.stats().lastSeq;
    await badge(100001, () => box.journal.stats().lastSeq > before);
    await page.locator('#passes tr', { hasText: 'Membre m1' }).waitFor({ timeout: 30_000 });

    await page.locator('#open-lane').selectOption('entry');
    await page.locator('#open-reason').fill('livraison');
    await page.getByRole('button', { name: 'Ouvrir' }).click();
    await page.getByText('Ouverture enregistrée').waitFor({ timeout: 30_000 });
    const manual = box.journal.readAfter(0, 100).filter((p) => p.outcome === 'manual');
    expect(manual).toHaveLength(1);
    expect(manual[0]).toMatchObject({ laneId: 'entry', reason: 'manual-open', operator: 'Léa (accueil)' });
    expect(manual[0]?.note).toContain('livraison');
    await page.locator('#passes tr', { hasText: 'Ouverture manuelle' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'desk.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('the desk API refuses actions without a session; the pages load nothing from outside the box', async () => {
    const res = await fetch(`${ui.url}/api/desk/open`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ laneId: 'entry', reason: 'x' }) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('DESK_SESSION_REQUIRED');
    expect(box.journal.readAfter(0, 100).filter((p) => p.outcome === 'manual')).toHaveLength(1);
    expect(externalRequests).toEqual([]);
  });
});
