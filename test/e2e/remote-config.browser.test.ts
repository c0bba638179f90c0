import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChromium, signIn } from '../support/chromium.ts';
import { resabox } from '../support/demo-journey.ts';
import { demoApi, startDemo, waitAllBoxesOnline, type DemoProcess } from '../support/demo-process.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/config/', import.meta.url));
const WAIT = { timeout: 120_000 };

type DeviceConfig = { id: string; pulseMs?: number; address?: number };

/*
 * Remote configuration on `npm start`, from the dashboard: the technical team changes the
 * pulse time of lyon-01's entry turnstile, and the box reports it applied (it restarted its
 * agent through the launcher and the turnstile came up); then a configuration whose exit
 * turnstile sits at a Modbus address nothing answers: the box rolls it back by itself after
 * its trial period, and the page shows why. The CLI shows the same from the other side.
 */
describe('remote configuration of a demo box from the dashboard', () => {
  let demo: DemoProcess;
  let browser: Awaited<ReturnType<typeof openChromium>>;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    demo = await startDemo({ env: { RESABOX_DEMO_CONFIG_TRIAL_S: '8', RESABOX_DEMO_ACTIVITY_MS: '5000' } });
    await waitAllBoxesOnline(demo, 3);
    browser = await openChromium();
    page = browser.page;
    await signIn(page, demo.baseUrl, demo.adminToken, '#/box/lyon-01');
    await page.locator('#config-summary', { hasText: 'runs version 0' }).waitFor(WAIT);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (demo) {
      await demo.stop();
      expect(demo.groupAlive()).toBe(false);
    }
  }, 120_000);

  /** Edits the configuration in the page's editor and sends it with a ticket. */
  async function send(edit: (devices: DeviceConfig[]) => void, ticket: string): Promise<void> {
    await page.goto(`${demo.baseUrl}/ui/#/box/lyon-01`);
    await page.reload();
    await page.locator('#config-editor summary').click(WAIT);
    const config = JSON.parse(await page.locator('#config-text').inputValue()) as { devices: DeviceConfig[] };
    edit(config.devices);
    await page.locator('#config-text').fill(JSON.stringify(config, null, 2));
    await page.locator('#config-ticket').fill(ticket);
    await page.locator('#config-apply').click();
    await page.locator('#config-status', { hasText: 'sent' }).waitFor(WAIT);
  }
  const device = (devices: DeviceConfig[], id: string) => devices.find((d) => d.id === id) as DeviceConfig;

  it("changes the entry turnstile's pulse time and sees it reported as applied", async () => {
    await send((devices) => void (device(devices, 'turnstile-entry').pulseMs = 350), 'SUP-3001');
    expect(await page.locator('#config-diff').textContent()).toContain('devices[turnstile-entry].pulseMs');
    await page.locator('#config-summary', { hasText: 'version 1 applied' }).waitFor(WAIT);
    expect(await page.locator('#config-running').textContent()).toBe('1');
    await page.screenshot({ path: join(ARTIFACTS, '1-applied.png'), fullPage: true });
    const get = await resabox(demo, ['config', 'get', 'lyon-01']);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^# lyon-01 runs version 1 \(last: version 1 applied\); desired version 1 set by demo-admin#\S+ \(ticket SUP-3001\)/);
    expect(get.stdout).toContain('pulseMs: 350');
  }, 240_000);

  it('pushes a configuration naming a device that does not answer, and sees it rolled back with its reason', async () => {
    await send((devices) => void (device(devices, 'turnstile-exit').address = 7), 'SUP-3002');
    await page.locator('#config-summary', { hasText: 'version 2' }).locator('.pill', { hasText: 'rolled-back' }).waitFor(WAIT);
    expect(await page.locator('#config-error').textContent()).toMatch(/a changed device did not come up within the trial period.*turnstile-exit offline MODBUS_TIMEOUT.*CONFIG_REMOTE_DEVICE_DOWN/);
    // The previous configuration runs again; desired and reported differ on that field only.
    expect(await page.locator('#config-running').textContent()).toBe('1');
    expect(await page.locator('#config-diff tbody tr').allTextContents()).toEqual([expect.stringMatching(/^devices\[turnstile-exit\]\.address\s*7\s*1$/)]);
    await page.screenshot({ path: join(ARTIFACTS, '2-rolled-back.png'), fullPage: true });
    const diff = await resabox(demo, ['config', 'diff', 'lyon-01']);
    expect(diff.stdout).toMatch(/^devices\[turnstile-exit\]\.address\s+7\s+1$/m);
    // Every change is audited with its ticket.
    const { entries } = await demoApi<{ entries: { action: string; ticket: string; target: string }[] }>(demo, '/v1/audit?action=config.set&limit=10');
    expect(entries.map((e) => [e.target, e.ticket]).sort()).toEqual([
      ['lyon-01', 'SUP-3001'],
      ['lyon-01', 'SUP-3002'],
    ]);
    // The box serves badges with the configuration it kept.
    const { boxes } = await demoApi<{ boxes: { id: string; online: boolean }[] }>(demo, '/v1/boxes?status=active');
    expect(boxes.find((b) => b.id === 'lyon-01')?.online).toBe(true);
  }, 240_000);
});
