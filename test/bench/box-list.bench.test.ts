import { loadavg } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openChromium, signIn } from '../support/chromium.ts';
import { seedBoxes } from '../support/box-list-seed.ts';
import { startTestFleet, type TestFleet } from '../support/fleet-harness.ts';
import { percentiles } from './percentiles.ts';

/**
 * The dashboard's box list at 10,000 boxes (real fleet, SQLite file, Chromium): time from
 * opening the page (signed in) to its first 50 rows drawn, and the API calls it makes.
 * Goal: first render under 1 s. Prints figures; asserts only that the right rows show.
 */
const COUNT = 10_000;
const RUNS = 7;
let f: TestFleet;
let base = '';
let browser: Awaited<ReturnType<typeof openChromium>>;

beforeAll(async () => {
  f = await startTestFleet();
  await seedBoxes(f.svc.fleet.store, COUNT, Date.UTC(2026, 0, 15, 12));
  await f.svc.api.listen({ port: 0, host: '127.0.0.1' });
  const a = f.svc.api.server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  browser = await openChromium();
  await signIn(browser.page, base, f.tokens.viewer);
  await browser.page.locator('#box-range', { hasText: 'of 10,000' }).waitFor({ timeout: 60_000 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await f?.close();
});

const ms = (n: number) => `${n.toFixed(0)} ms`;

async function firstRender(hash: string, expected: string): Promise<number> {
  const { page } = browser;
  await page.goto('about:blank');
  const t0 = performance.now();
  await page.goto(`${base}/ui/${hash}`);
  await page.locator('#box-range', { hasText: expected }).waitFor({ timeout: 60_000 });
  const took = performance.now() - t0;
  expect(await page.locator('#box-rows tr[data-box]').count()).toBeGreaterThan(0);
  return took;
}

it('first render of the box list at 10,000 boxes', async () => {
  const cases: [string, string, string][] = [
    ['all boxes, by id', '#/', '1–50 of 10,000'],
    ['sorted by open alerts, descending', '#/?sort=openAlerts&order=desc', '1–50 of 10,000'],
    ['search "piscine 1" + offline', '#/?q=piscine+1&status=offline', '1–50 of'],
    ['page 150, by last seen', '#/?sort=lastSeen&page=150', '7451–7500 of 10,000'],
  ];
  console.log(`box list, ${COUNT} boxes, ${RUNS} runs each (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  for (const [label, hash, expected] of cases) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await firstRender(hash, expected));
    const [p50, p95] = percentiles(times, [50, 95]);
    console.log(`  first render, ${label}: p50 ${ms(p50 as number)}, max ${ms(p95 as number)} (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`);
  }
  for (const url of ['/v1/boxes?limit=50', '/v1/boxes?limit=50&sort=openAlerts&order=desc', '/v1/boxes?limit=50&q=piscine%201&status=active&online=false', '/v1/box-facets']) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      expect((await f.call('viewer', 'GET', url)).status).toBe(200);
      times.push(performance.now() - t0);
    }
    console.log(`  API ${url}: p50 ${ms(percentiles(times, [50])[0] as number)}`);
  }
});
