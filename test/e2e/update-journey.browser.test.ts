import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChromium, signIn } from '../support/chromium.ts';
import { journaledSeqs, resabox, storedSeqs, waitUntil, type CliRun } from '../support/demo-journey.ts';
import { demoApi, startDemo, waitAllBoxesOnline, type DemoProcess } from '../support/demo-process.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/updates/', import.meta.url));
const WAIT = { timeout: 180_000 };
const BOXES = ['lyon-01', 'lyon-02', 'nantes-01'];

/*
 * Support ships a corrective fix on `npm start`, as docs/updates.md walks through it:
 * `resabox release publish` builds and publishes a release, the dashboard rolls it out to
 * the demo boxes (real agents under their launchers) and shows every box reach it while
 * `resabox rollout watch` follows it to exit 0. Then a release that crash-loops: the canary
 * rolls back by itself, the rollout halts (watch exits 4), an alert opens, and the box's
 * row gives the reason; every box stays on the good release. Members badge all along
 * (every 400 ms), and every pass a box journaled reaches the fleet.
 */
describe('support ships a corrective fix end to end on npm start', () => {
  let demo: DemoProcess;
  let browser: Awaited<ReturnType<typeof openChromium>>;
  let page: Page;
  let work: string;
  const keys = () => join(demo.dataDir, 'keys');
  /** Wall-clock instants of the journey, to sort the passes stored by the fleet (their `at`). */
  let journeyStart = 0;
  let updatedAt = 0;
  let haltedAt = 0;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'resabox-journey-'));
    // A short trial (5 s) and health deadline, so that a release is judged in seconds.
    demo = await startDemo({ env: { RESABOX_DEMO_ACTIVITY_MS: '400', RESABOX_DEMO_TRIAL_S: '5', RESABOX_DEMO_HEALTH_TIMEOUT_S: '40' } });
    await waitAllBoxesOnline(demo, 3);
    browser = await openChromium();
    page = browser.page;
    await signIn(page, demo.baseUrl, demo.adminToken, '#/releases');
    journeyStart = Date.now();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
    if (demo) {
      await demo.stop();
      expect(demo.groupAlive()).toBe(false);
    }
  }, 120_000);

  /** From the Releases page: roll `version` out to the demo boxes (tag demo), one canary then the rest, started at once. */
  async function rollOut(version: string): Promise<string> {
    await page.goto(`${demo.baseUrl}/ui/#/releases`);
    await page.locator('#releases tr', { hasText: version }).locator('a', { hasText: 'Roll out' }).click(WAIT);
    await page.locator('h1', { hasText: 'New rollout' }).waitFor(WAIT);
    await page.locator('input[name="name"]').fill(`Fix ${version}`);
    await page.locator('#target-tags input[value="demo"]').check();
    await page.locator('input[name="canary"]').fill('1');
    await page.locator('input[name="percents"]').fill('100');
    await page.locator('input[name="errorThreshold"]').fill('10');
    await page.locator('input[name="ticket"]').fill('SUP-2026');
    await page.locator('#create-start').click();
    await page.locator('#rollout-state').waitFor(WAIT);
    return decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
  }

  it('publishes the fixed release with resabox release publish', async () => {
    const published = await resabox(demo, ['release', 'publish', '--keys', keys(), '--version', '0.2.0', '--hardware', 'rbx-demo', '--ticket', 'SUP-2026']);
    expect(published.stderr).not.toMatch(/^[A-Z_]+: /m);
    expect(published.code).toBe(0);
    expect(published.stdout).toContain('hardware model rbx-demo: 3 enrolled box(es)');
    expect(published.stdout).toMatch(/published resabox 0\.2\.0 for rbx-demo/);
    await page.reload();
    await page.locator('#releases tr', { hasText: '0.2.0' }).waitFor(WAIT);
    expect(await page.locator('#releases tr', { hasText: '0.2.0' }).textContent()).toMatch(/rbx-demo.*demo-admin.*targets key/);
    await page.screenshot({ path: join(ARTIFACTS, '1-releases.png'), fullPage: true });
  }, 240_000);

  it('rolls it out from the dashboard and every box reaches 0.2.0; rollout watch exits 0', async () => {
    const id = await rollOut('0.2.0');
    const watch = resabox(demo, ['rollout', 'watch', id, '--interval', '1']);
    await page.locator('#rollout-state', { hasText: 'completed' }).waitFor(WAIT);
    for (const box of BOXES) await page.locator('#rollout-boxes tr', { hasText: box }).locator('.pill', { hasText: 'succeeded' }).waitFor(WAIT);
    expect(await page.locator('#rollout-actions button').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, '2-rollout-completed.png'), fullPage: true });
    const watched: CliRun = await watch;
    expect(watched.code).toBe(0);
    expect(watched.stdout.trim().split('\n').at(-1)).toBe('completed: 3 of 3 boxes run 0.2.0');
    // The boxes really run it: their state messages say so, with the release kept to roll back to.
    await page.goto(`${demo.baseUrl}/ui/#/box/lyon-01`);
    await page.locator('#box-release', { hasText: '0.2.0' }).waitFor(WAIT);
    expect(await page.locator('#box-previous').textContent()).toBe('0.1.0');
    expect(await page.locator('#box-hardware').textContent()).toBe('rbx-demo');
    const { boxes } = await demoApi<{ boxes: { id: string; agentVersion: string; previousVersion: string }[] }>(demo, '/v1/boxes?status=active');
    expect(boxes.map((b) => [b.id, b.agentVersion, b.previousVersion])).toEqual(BOXES.map((b) => [b, '0.2.0', '0.1.0']));
    updatedAt = Date.now();
  }, 300_000);

  it('a crash-looping release: the canary rolls back by itself, the rollout halts with an alert and the reason; every box stays on 0.2.0', async () => {
    // A release whose agent dies at once, packed from a prepared folder and published like any other.
    const broken = join(work, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'agent.mjs'), "console.error('boom: the agent cannot start'); process.exit(3);\n");
    const bundle = join(work, 'broken.tar.gz');
    expect((await resabox(demo, ['bundle', 'create', '--source', broken, '--out', bundle, '--version', '0.3.0', '--hardware', 'rbx-demo'])).code).toBe(0);
    expect((await resabox(demo, ['release', 'publish', '--keys', keys(), '--bundle', bundle, '--ticket', 'SUP-2027'])).code).toBe(0);
    const id = await rollOut('0.3.0');
    const watch = resabox(demo, ['rollout', 'watch', id, '--interval', '1']);
    await page.locator('#rollout-state', { hasText: 'halted' }).waitFor(WAIT);
    const canary = page.locator('#rollout-boxes tr', { has: page.locator('.pill', { hasText: 'rolled-back' }) });
    await canary.waitFor(WAIT);
    expect(await canary.textContent()).toMatch(/wave 1 \(canary\).*crashed repeatedly during its trial.*UPDATE_TRIAL_CRASH_LOOP/);
    expect(await page.locator('#halt-reason').textContent()).toMatch(/error threshold exceeded: 1 of 1 boxes/);
    // Only what is valid for a halted rollout is offered.
    expect(await page.locator('#rollout-actions button').allTextContents()).toEqual(['Resume', 'Cancel', 'Retry failed boxes']);
    await page.screenshot({ path: join(ARTIFACTS, '3-rollout-halted.png'), fullPage: true });
    const watched = await watch;
    expect(watched.code).toBe(4);
    expect(watched.stdout).toMatch(/rolled-back\s+rolled-back {2}UPDATE_TRIAL_CRASH_LOOP/);
    await page.goto(`${demo.baseUrl}/ui/#/alerts`);
    await page.locator('td', { hasText: 'rollout "Fix 0.3.0" to 0.3.0 halted' }).first().waitFor(WAIT);
    await page.screenshot({ path: join(ARTIFACTS, '4-alert.png'), fullPage: true });
    const { boxes } = await demoApi<{ boxes: { id: string; agentVersion: string; online: boolean }[] }>(demo, '/v1/boxes?status=active');
    expect(boxes.map((b) => [b.id, b.agentVersion])).toEqual(BOXES.map((b) => [b, '0.2.0']));
    // Cancelled, the rollout leaves the boxes free and the alert resolved.
    expect((await resabox(demo, ['rollout', 'cancel', id, '--ticket', 'SUP-2027'])).code).toBe(0);
    haltedAt = Date.now();
  }, 300_000);

  it('passes kept flowing through the updates, and every pass a box journaled reached the fleet', async () => {
    const stored = async (box: string) => (await demoApi<{ passes: { at: number }[] }>(demo, `/v1/passes?boxId=${box}&limit=5000`)).passes;
    for (const box of BOXES) {
      // Members badged at the box while it was being updated, and keep badging on its new release.
      await waitUntil(`${box}: a pass during the updates`, async () => (await stored(box)).some((p) => p.at >= journeyStart && p.at < updatedAt));
      await waitUntil(`${box}: a pass after the updates`, async () => (await stored(box)).some((p) => p.at >= haltedAt));
      await waitUntil(`${box}: every journaled pass stored by the fleet`, async () => {
        const j = journaledSeqs(demo, box);
        const seqs = new Set(await storedSeqs(demo, box));
        return j.length > 0 && j.every((s) => seqs.has(s));
      });
    }
  }, 240_000);
});
