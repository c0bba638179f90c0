import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChromium, signIn } from '../support/chromium.ts';
import { seedBoxes, type SeededBox } from '../support/box-list-seed.ts';
import { startTestFleet, type TestFleet } from '../support/fleet-harness.ts';

const COUNT = 10_000;
const PAGE = 50;
const WAIT = { timeout: 60_000 };

/*
 * The technical team's box list at 10,000 boxes: a real fleet (SQLite file, embedded broker,
 * HTTP) seeded with 10,000 boxes, the dashboard in Chromium. Search, filters, orders and
 * pages must show exactly the rows the seed table says, and the address keeps the state.
 * (How fast the first page renders is printed by test/bench/box-list.bench.test.ts.)
 */
describe('box list of 10,000 boxes in a browser', { timeout: 120_000 }, () => {
  let f: TestFleet;
  let seeded: SeededBox[];
  let browser: Awaited<ReturnType<typeof openChromium>>;
  let page: Page;
  let base = '';

  /** Waits for the list to say `total` rows and returns the ids shown. */
  const shown = async (total: number, first = 1): Promise<string[]> => {
    const range = `${total === 0 ? 0 : first}–${Math.min(total, first + PAGE - 1)} of ${total.toLocaleString('en')}`;
    await page.locator('#box-range', { hasText: range }).waitFor(WAIT);
    return page.locator('#box-rows tr[data-box]').evaluateAll((trs) => trs.map((t) => (t as unknown as { dataset: { box: string } }).dataset.box));
  };
  const ids = (rows: SeededBox[], from = 0) => rows.slice(from, from + PAGE).map((b) => b.id);

  beforeAll(async () => {
    f = await startTestFleet();
    seeded = await seedBoxes(f.svc.fleet.store, COUNT, Date.UTC(2026, 0, 15, 12));
    await f.svc.api.listen({ port: 0, host: '127.0.0.1' });
    const a = f.svc.api.server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    browser = await openChromium();
    page = browser.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it('shows the first page of all 10,000 with the counts', async () => {
    await signIn(page, base, f.tokens.viewer);
    expect(await shown(COUNT)).toEqual(ids(seeded));
    const active = seeded.filter((b) => b.status === 'active');
    await expect(page.locator('#online-count').textContent()).resolves.toBe(`${active.filter((b) => b.online).length} / ${active.length}`);
    await expect(page.locator('#box-page').textContent()).resolves.toBe(`page 1 of ${COUNT / PAGE}`);
  });

  it('searches by name, id or club as one types, and keeps the search in the address', async () => {
    await page.locator('#box-search').fill('Piscine 12');
    const byName = seeded.filter((b) => b.name.toLowerCase().includes('piscine 12'));
    expect(await shown(byName.length)).toEqual(ids(byName));
    expect(page.url()).toContain('q=Piscine+12');
    await page.locator('#box-search').fill('club brest');
    const brest = seeded.filter((b) => b.clubName === 'Club Brest');
    expect(await shown(brest.length)).toEqual(ids(brest));
    await page.locator('#box-search').fill('box-0999');
    expect(await shown(10)).toEqual(seeded.filter((b) => b.id.startsWith('box-0999')).map((b) => b.id));
    await page.locator('#f-clear').click();
    expect(await shown(COUNT)).toEqual(ids(seeded));
  });

  it('filters by club, status, version, hardware and open alerts', async () => {
    await page.locator('#f-club').selectOption('club-lyon');
    await page.locator('#f-status').selectOption('offline');
    const lyonOffline = seeded.filter((b) => b.clubId === 'club-lyon' && b.status === 'active' && !b.online);
    expect(await shown(lyonOffline.length)).toEqual(ids(lyonOffline));
    await expect(page.locator('#box-rows .pill.bad', { hasText: 'offline' }).count()).resolves.toBe(Math.min(PAGE, lyonOffline.length));
    await page.locator('#f-version').selectOption('1.5.1');
    await page.locator('#f-hardware').selectOption('rbx-b2');
    const narrowed = lyonOffline.filter((b) => b.agentVersion === '1.5.1' && b.hardware === 'rbx-b2');
    expect(narrowed.length).toBeGreaterThan(0);
    expect(await shown(narrowed.length)).toEqual(ids(narrowed));
    await page.locator('#f-clear').click();
    await shown(COUNT);
    await page.locator('#f-alerts').selectOption('open');
    const alerted = seeded.filter((b) => b.openAlerts > 0);
    expect(await shown(alerted.length)).toEqual(ids(alerted));
    await expect(page.locator('tr[data-box="box-00200"] .pill.warn').textContent()).resolves.toBe('2 open');
  });

  it('sorts by a column both ways, pages, and a reload shows the same rows', async () => {
    await page.locator('#f-clear').click();
    await shown(COUNT);
    await page.locator('button[data-sort="lastSeen"]').click();
    // The first page reads "1–50 of 10,000" before the sort as after it: wait for the sorted table.
    await page.locator('th[aria-sort="ascending"]', { hasText: 'last seen' }).waitFor(WAIT);
    const bySeen = [...seeded].sort((a, b) => (a.lastSeenAt === null) !== (b.lastSeenAt === null) ? (a.lastSeenAt === null ? 1 : -1) : (a.lastSeenAt ?? 0) - (b.lastSeenAt ?? 0) || (a.id < b.id ? -1 : 1));
    expect(await shown(COUNT)).toEqual(ids(bySeen));
    await page.locator('button[data-sort="lastSeen"]').click();
    await page.locator('th[aria-sort="descending"]', { hasText: 'last seen' }).waitFor(WAIT);
    const desc = [...bySeen.filter((b) => b.lastSeenAt !== null)].reverse().concat([...bySeen.filter((b) => b.lastSeenAt === null)].reverse());
    expect(await shown(COUNT)).toEqual(ids(desc));
    await page.locator('#page-next').click();
    expect(await shown(COUNT, PAGE + 1)).toEqual(ids(desc, PAGE));
    await page.locator('#page-next').click();
    expect(await shown(COUNT, 2 * PAGE + 1)).toEqual(ids(desc, 2 * PAGE));
    expect(page.url()).toMatch(/sort=lastSeen&order=desc&page=3$/);
    await page.reload();
    expect(await shown(COUNT, 2 * PAGE + 1)).toEqual(ids(desc, 2 * PAGE));
    await page.locator('#page-prev').click();
    expect(await shown(COUNT, PAGE + 1)).toEqual(ids(desc, PAGE));
  });

  it('opens a box from its row', async () => {
    await page.goto(`${base}/ui/#/?q=box-00042`);
    await shown(1);
    await page.locator('tr[data-box="box-00042"] td').nth(1).click();
    await page.locator('h1', { hasText: 'Box box-00042' }).waitFor(WAIT);
  });
});
