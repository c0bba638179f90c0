import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LANE_DEBOUNCE_MS } from '../../demo/club-box.ts';
import { DEMO_CLUBS, UNKNOWN_BADGES } from '../../demo/topology.ts';
import { demoApi, startDemo, waitAllBoxesOnline, type DemoProcess } from '../support/demo-process.ts';
import { control, demoScreens, type DemoScreens } from '../support/demo-screens.ts';
import { foreignWordsOnPage, horizontalOverflow, seriousA11yViolations } from '../support/page-checks.ts';
import { waitForValue } from '../support/wait-for.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/club-screens/', import.meta.url));
const WAIT = { timeout: 60_000 };
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TABLET = { width: 768, height: 1024 };
const BOX = 'lyon-01';
const lyon = DEMO_CLUBS.find((c) => c.id === 'club-lyon')!;
const member = (n: number) => lyon.members[n - 1]!;
/** Internal ids of the demo that must never show on a page. */
const IDS = ['lyon-01', 'lyon-02', 'nantes-01', 'scanner-entry', 'club-lyon'];

/** The club's day (Europe/Paris, the demo clubs' zone) of an instant. */
/** A passage's outcomes once it is over: the lane is free again. */
const ENDED = ['Passé', 'Non passé'];
const clubDay = (t: number) => new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short' }).format(t);

type DeskPass = { ts: number; lane: string; outcome: string; reason: string; who: string; direction: string };

/*
 * The club's own screens on `npm start` (ephemeral ports, temp data, no random activity: the
 * test is the only one at the readers): the totem of lyon-01 and its front desk, in Chromium
 * at tablet size, driven through the demo's control surface (a badge at a reader, a QR code
 * at the scanner, the printer's tickets, the fleet stopped and started).
 */
describe('the club screens of the running demo', () => {
  let demo: DemoProcess;
  let screens: DemoScreens;
  let context: BrowserContext;
  let profile: string;
  let deskCookie = '';

  /** Passes of lyon-01 as its desk API shows them, newest first. */
  const deskPasses = async (): Promise<DeskPass[]> => {
    const res = await fetch(`${screens.pages.get(BOX)!.desk.replace(/\/desk$/, '')}/api/desk/state`, { headers: { cookie: deskCookie } });
    return ((await res.json()) as { passes: DeskPass[] }).passes;
  };
  const waitForPass = (what: string, match: (p: DeskPass) => boolean) => waitForValue(async () => (await deskPasses()).find(match), 60_000, what);
  const badge = (lane: 'entry' | 'exit' | 'pmr', tag: number) => control(screens, 'POST', `/boxes/${BOX}/badge`, { lane, tag });
  async function checkPage(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await foreignWordsOnPage(page, IDS)).toEqual([]);
  }
  async function totem(): Promise<Page> {
    const page = await context.newPage();
    await page.goto(screens.pages.get(BOX)!.totem);
    await page.locator('#club', { hasText: 'Lyon Part-Dieu' }).waitFor(WAIT);
    return page;
  }
  const shown = (page: Page) => page.locator('body').getAttribute('data-shown').then(Number);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    demo = await startDemo({ env: { RESABOX_DEMO_ACTIVITY_MS: '0' } });
    await waitAllBoxesOnline(demo, 3);
    screens = demoScreens(demo);
    expect([...screens.pages.keys()]).toEqual(['lyon-01', 'lyon-02', 'nantes-01']);
    profile = mkdtempSync(join(tmpdir(), 'resabox-chromium-'));
    // bypassCSP: the pages allow only their own scripts, and axe-core is injected.
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, viewport: TABLET, bypassCSP: true });
    const login = await fetch(`${screens.pages.get(BOX)!.desk.replace(/\/desk$/, '')}/api/desk/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operator: 'Test', pin: screens.deskPin }) });
    deskCookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(login.status).toBe(200);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (demo) {
      await demo.stop();
      expect(demo.groupAlive()).toBe(false);
    }
  }, 120_000);

  it('the totem welcomes on its entry lane and ignores an exit and another lane’s refusal', async () => {
    const page = await totem();
    await checkPage(page, '1-totem-idle');
    await badge('entry', member(1).badge);
    await page.locator('#welcome').waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#member-name').textContent()).toBe(member(1).name);
    expect(await page.locator('#subscription').textContent()).toMatch(/^Votre abonnement court jusqu’au \d{1,2} \S+ \d{4}\.$/);
    await checkPage(page, '2-totem-welcome');
    const before = await shown(page);

    // Someone leaves, someone is refused at the accessible gate: both decided and journaled...
    await badge('exit', member(2).badge);
    await waitForPass('the exit at lyon-01', (p) => p.lane === 'Sortie' && p.who === member(2).name);
    await badge('pmr', UNKNOWN_BADGES[0]!);
    await waitForPass('the refusal at the accessible gate', (p) => p.lane === 'Accès PMR' && p.reason === 'Badge inconnu');
    // The entry lane reads no card while member 1 walks through (their simulated walk takes
    // up to 1.5 s, and a fast machine gets here sooner): wait for their passage to end
    // (through, or not seen through on a machine loaded enough to miss the arm's pulse)...
    await waitForPass('the end of member 1’s passage', (p) => p.lane === 'Entrée' && p.who === member(1).name && ENDED.includes(p.outcome));
    // ...then a refusal on the totem's own lane: it is the next thing the totem shows.
    await badge('entry', UNKNOWN_BADGES[1]!);
    await page.locator('#refused').waitFor({ state: 'visible', ...WAIT });
    expect(await shown(page)).toBe(before + 1);
    expect(await page.locator('#refusal-reason').textContent()).toBe('Badge inconnu');
    expect(await page.locator('#refusal-advice').textContent()).toBe('Ce badge n’est pas enregistré : présentez-vous à l’accueil.');
    await checkPage(page, '3-totem-refused');
    await page.close();
  }, 180_000);

  it('an expired member sees the end date of their subscription', async () => {
    const page = await totem();
    const expired = lyon.members.find((m) => m.expired)!;
    const { data } = await demoApi<{ data: { rights: { memberId: string; validTo: number }[] } }>(demo, `/v1/clubs/${lyon.id}/rights`);
    const ended = data.rights.find((r) => r.memberId === expired.id)!.validTo;
    // validTo is exclusive: the subscription's last day is the one before that instant.
    const lastDay = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: 'numeric', month: 'long', year: 'numeric' }).format(ended - 1);
    await badge('entry', expired.badge);
    await page.locator('#refused').waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#refusal-reason').textContent()).toBe('Abonnement hors période de validité');
    expect(await page.locator('#refusal-advice').textContent()).toBe(`Votre abonnement a pris fin le ${lastDay} : renouvelez-le à l’accueil.`);
    await checkPage(page, '4-totem-expired');
    await page.close();
  }, 120_000);

  it('a day pass printed at the totem opens the turnstile once and is refused the second time', async () => {
    const page = await totem();
    await badge('entry', member(4).badge);
    await page.locator('#member-name', { hasText: member(4).name }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Imprimer un pass invité pour la journée' }).click();
    await page.getByText('Pass invité imprimé').waitFor(WAIT);
    const printed = await waitForValue(async () => (await control<{ tickets: { lines: string[]; qr: string[] }[] }>(screens, 'GET', `/boxes/${BOX}/tickets`)).tickets.find((t) => t.lines.some((l) => l.includes('ENTRÉE 1 JOUR'))), 30_000, 'the day pass out of the printer');
    expect(printed.lines.some((l) => l.includes(`Invité de ${member(4).name.split(' ')[0]}`))).toBe(true);
    const qr = printed.qr[0] ?? '';
    expect(qr).toMatch(/^RBT1\./);
    // The member's passage has ended (through, or not seen through: a machine loaded enough
    // to miss the arm's pulse journals 'Non passé'); the lane is free for their guest (a QR
    // shown during a passage is ignored).
    await waitForPass('the end of the member’s passage', (p) => p.who === member(4).name && p.lane === 'Entrée' && ENDED.includes(p.outcome));

    // The guest shows the ticket until the box sees them through: a passage it did not see
    // confirmed leaves the ticket unused (docs/access-rules.md), and the guest shows it again
    // after the lane's debounce window (a repeated read within it is dropped).
    const ticketRows = async () => (await deskPasses()).filter((p) => p.lane === 'Entrée' && p.who === 'Ticket');
    for (let attempt = 1; ; attempt++) {
      const before = (await ticketRows()).length;
      await control(screens, 'POST', `/boxes/${BOX}/scan`, { text: qr });
      await page.getByText('Pass invité : bonne séance !').waitFor(WAIT);
      const row = await waitForValue(async () => ((await ticketRows()).length > before ? (await ticketRows())[0] : undefined), 60_000, 'the ticket entry’s outcome');
      if (row.outcome === 'Passé') break;
      expect(row.outcome, 'the ticket entry was never seen through').toBe('Non passé');
      expect(attempt).toBeLessThan(3);
      await new Promise((r) => setTimeout(r, DEMO_LANE_DEBOUNCE_MS + 200));
    }
    await checkPage(page, '5-totem-ticket');

    // The lane drops a repeated read of one code within its debounce window (a QR held at the
    // scanner); the guest who shows the ticket again does so after it.
    await new Promise((r) => setTimeout(r, DEMO_LANE_DEBOUNCE_MS + 200));
    await control(screens, 'POST', `/boxes/${BOX}/scan`, { text: qr });
    await page.locator('#refusal-reason', { hasText: 'QR code déjà utilisé' }).waitFor(WAIT);
    await waitForPass('the second use refused', (p) => p.outcome === 'Refusé' && p.reason === 'QR code déjà utilisé');
    expect((await deskPasses()).filter((p) => p.who === 'Ticket' && p.outcome === 'Passé')).toHaveLength(1);
    await page.close();
  }, 180_000);

  it('the desk signs in with the demo PIN, finds a member with the fleet stopped, lets them in by hand; the pass reaches the fleet once it is back', async () => {
    await control(screens, 'POST', '/fleet/stop');
    expect(await fetch(`${demo.baseUrl}/v1/boxes`).then(() => 'up', () => 'down')).toBe('down');
    const page = await context.newPage();
    await page.goto(screens.pages.get(BOX)!.desk);
    await page.locator('#login').waitFor({ state: 'visible', ...WAIT });
    await checkPage(page, '6-desk-login');
    await page.locator('#login-operator').fill('Léa');
    await page.locator('#login-pin').fill(screens.deskPin);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.locator('#console').waitFor({ state: 'visible', ...WAIT });
    await page.locator('#title', { hasText: 'Accueil · Lyon Part-Dieu · Lyon accueil' }).waitFor(WAIT);

    const emma = member(3);
    await page.locator('#search-q').fill(emma.name.split(' ')[0]!);
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.locator('#member h3', { hasText: emma.name }).waitFor(WAIT);
    await page.locator('#member', { hasText: 'Abonnement (Club) : valide' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Entrée manuelle pour ce membre' }).click();
    await page.locator('#open-member', { hasText: `Pour ${emma.name}` }).waitFor(WAIT);
    await page.locator('#open-lane').selectOption({ label: 'Entrée · Club' });
    await page.locator('#open-reason').fill('badge oublié');
    await page.getByRole('button', { name: 'Ouvrir' }).click();
    await page.getByText(`Ouverture enregistrée pour ${emma.name}`).waitFor(WAIT);
    await page.locator('#passes tr', { hasText: 'Ouverture manuelle' }).filter({ hasText: emma.name }).first().waitFor(WAIT);
    // Her card now shows her inside and the pass, read from the box's own journal.
    await page.locator('#member', { hasText: 'Présent (Club) depuis' }).waitFor(WAIT);
    await page.locator('#member li', { hasText: 'Ouverture manuelle' }).waitFor(WAIT);
    // Today's figures count her entry by hand and a refusal at the accessible gate, made
    // now (this test does not depend on the others' passes), unless the club's day turned
    // since her entry (the figures start again at midnight): the day is read after the
    // figures, so both belong to it.
    const manualAt = (await deskPasses()).find((p) => p.outcome === 'Ouverture manuelle' && p.who === emma.name)!.ts;
    const refusedAtGate = async () => (await deskPasses()).filter((p) => p.lane === 'Accès PMR' && p.reason === 'Badge inconnu').length;
    const refusedBefore = await refusedAtGate();
    await badge('pmr', UNKNOWN_BADGES[1]!);
    await waitForValue(async () => ((await refusedAtGate()) > refusedBefore ? true : undefined), 60_000, 'a refusal at the accessible gate');
    await waitForValue(
      async () => {
        const text = (await page.locator('#figures').textContent()) ?? '';
        if (clubDay(Date.now()) !== clubDay(manualAt)) return 'the day turned';
        return /Entrées : [1-9]\d* \(dont [1-9]\d* à la main\)/.test(text) && /Refus : .*Badge inconnu : [1-9]/.test(text) && text.includes('Tickets imprimés :') ? text : undefined;
      },
      60_000,
      'today’s figures on the desk',
    );
    await checkPage(page, '7-desk-member');

    await control(screens, 'POST', '/fleet/start');
    const manual = await waitForValue(
      async () => {
        const { passes } = await demoApi<{ passes: { memberId: string | null; reason: string; lane: string; data?: { operator?: string } }[] }>(demo, `/v1/passes?boxId=${BOX}&limit=5000`).catch(() => ({ passes: [] }));
        return passes.find((p) => p.memberId === emma.id && p.reason === 'manual-open');
      },
      180_000,
      'the manual entry in the fleet',
    );
    expect(manual.lane).toBe('entry');
    await page.close();
  }, 300_000);

  it('both Lyon desks count the same people in the club after passes at both boxes (occupancy per club zone)', async () => {
    // Each box's desk API, signed in once per box (each box serves its own pages).
    const cookies = new Map<string, string>();
    const api = async (box: string, path: string) => {
      const origin = screens.pages.get(box)!.desk.replace(/\/desk$/, '');
      if (!cookies.has(box)) {
        const login = await fetch(`${origin}/api/desk/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operator: 'Test', pin: screens.deskPin }) });
        cookies.set(box, (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '');
      }
      return (await fetch(`${origin}${path}`, { headers: { cookie: cookies.get(box)! } })).json() as Promise<{ passes: DeskPass[] }>;
    };
    const ended = (box: string, lane: string, who: string) => waitForValue(async () => (await api(box, '/api/desk/state')).passes.find((p) => p.lane === lane && p.who === who && ENDED.includes(p.outcome)), 60_000, `${who} through ${lane} at ${box}`);
    const desk = async (box: string): Promise<Page> => {
      const page = await context.newPage();
      await page.goto(screens.pages.get(box)!.desk);
      // Signed in already on lyon-01 (the session of the test above), not yet on lyon-02.
      await page.locator('#login:visible, #console:visible').first().waitFor(WAIT);
      if (await page.locator('#login').isVisible()) {
        await page.locator('#login-operator').fill('Léa');
        await page.locator('#login-pin').fill(screens.deskPin);
        await page.getByRole('button', { name: 'Se connecter' }).click();
      }
      await page.locator('#console').waitFor({ state: 'visible', ...WAIT });
      return page;
    };
    const figure = (page: Page) => page.locator('#zones li', { hasText: 'Club' }).locator('.figure').textContent().then(Number);
    const [desk1, desk2] = [await desk('lyon-01'), await desk('lyon-02')];
    await desk2.locator('#title', { hasText: 'Lyon piscine' }).waitFor(WAIT);
    // (Boxed: waitForValue waits for a truthy value, and 0 is a figure.)
    const oneFigure = async () => {
      const [a, b] = [await figure(desk1), await figure(desk2)];
      return a === b ? { n: a } : undefined;
    };
    // The club's figure before these passes.
    const { n: before } = await waitForValue(oneFigure, 60_000, 'one figure on both Lyon desks before the passes');

    // Member 5 comes in at the pool's box, member 6 at the front desk's; member 5 leaves by the front desk's exit.
    const [m5, m6] = [member(5), member(6)];
    await control(screens, 'POST', '/boxes/lyon-02/badge', { lane: 'entry', tag: m5.badge });
    const in5 = await ended('lyon-02', 'Entrée', m5.name);
    await control(screens, 'POST', `/boxes/${BOX}/badge`, { lane: 'entry', tag: m6.badge });
    const in6 = await ended(BOX, 'Entrée', m6.name);
    await control(screens, 'POST', `/boxes/${BOX}/badge`, { lane: 'exit', tag: m5.badge });
    const out5 = await ended(BOX, 'Sortie', m5.name);

    // Both desks show one figure for the club, live (the other box's passages arrive through the fleet).
    // Wait for the figure these passes make, not for any equal pair: while the passages travel
    // between the boxes, both desks can show the same figure on the way (one more, for a moment).
    const passed = (p: { outcome: string }) => p.outcome === 'Passé';
    const expected = before + (passed(in5) ? 1 : 0) + (passed(in6) ? 1 : 0) - (passed(in5) && passed(out5) ? 1 : 0);
    const { n: same } = await waitForValue(async () => ((await oneFigure())?.n === expected ? { n: expected } : undefined), 60_000, `the figure ${expected} on both Lyon desks`);
    // Who each desk counts: member 5 entered at lyon-02 and left by lyon-01, member 6 entered at lyon-01.
    const card = async (page: Page, who: { name: string }) => {
      await page.locator('#search-q').fill(who.name.split(' ')[0]!);
      await page.getByRole('button', { name: 'Rechercher' }).click();
      await page.locator('#hits button', { hasText: who.name }).click();
      await page.locator('#member:visible h3', { hasText: who.name }).waitFor(WAIT);
      return (await page.locator('#member').textContent()) ?? '';
    };
    const expect5 = in5.outcome === 'Passé' && out5.outcome !== 'Passé' ? 'Présent (Club) depuis' : 'Pas compté comme présent.';
    const expect6 = in6.outcome === 'Passé' ? 'Présent (Club) depuis' : 'Pas compté comme présent.';
    for (const page of [desk1, desk2]) {
      expect(await card(page, m5)).toContain(expect5);
      expect(await card(page, m6)).toContain(expect6);
    }
    await checkPage(desk2, '8-desk-lyon-02-club');
    expect([await figure(desk1), await figure(desk2)]).toEqual([same, same]);
    await desk1.close();
    await desk2.close();
  }, 180_000);
});
