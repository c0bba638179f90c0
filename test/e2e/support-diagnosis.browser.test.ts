import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoApi, demoControl, startDemo, waitAllBoxesOnline, type DemoProcess } from '../support/demo-process.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts', 'support-diagnosis');
const WAIT = { timeout: 90_000 };
/** A step's hang guard: it starts `resabox` processes and waits for boxes, which a loaded 2-core machine makes slow. */
const STEP_MS = 180_000;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** Adam, the Lyon member whose subscription ended yesterday (demo/topology.ts: the twelfth, badge 10_000_100 + 11). */
const EXPIRED = { id: 'lyon-m12', name: 'Adam LYON', tag: 10_000_111 };

interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Support's diagnosis journey on `npm start`: why a member was refused (member view), what a
 * box's devices answer now (doctor, with the printer simulator silenced through the demo
 * control), one bundle to escalate, in the dashboard (Chromium) and with the `resabox` CLI as
 * a user runs it, including a box that is powered off.
 */
describe('support diagnosis on the running demo', () => {
  let demo: DemoProcess;
  let context: BrowserContext;
  let page: Page;
  let supportToken: string;
  const work = mkdtempSync(join(tmpdir(), 'resabox-diagnosis-'));

  const cli = (...args: string[]): Promise<CliRun> =>
    new Promise((resolve) => {
      execFile(process.execPath, ['bin/resabox.js', ...args], { cwd: ROOT, env: { ...process.env, RESABOX_URL: demo.baseUrl, RESABOX_TOKEN: supportToken }, timeout: 120_000 }, (e, out, err) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
      );
    });

  /** The refusal's cause as the box's explanation dates it: the subscription's end in the club's local time. */
  const expectedEnd = async (): Promise<string> => {
    const v = await demoApi<{ passes: { reason: string; explanation: { rules: { rule: string; facts: { candidates: { validTo: { at: number; local: string } }[] } }[] } }[] }>(demo, `/v1/members/${EXPIRED.id}`);
    const refusal = v.passes.find((p) => p.reason === 'outside-validity');
    const validTo = refusal?.explanation.rules.at(-1)?.facts.candidates[0]?.validTo;
    if (!validTo) throw new Error(`no explained refusal of ${EXPIRED.id}: ${JSON.stringify(v)}`);
    // The box rendered the end in Paris time: check it against Intl, then give it as the page shows it.
    const paris = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(validTo.at);
    expect(`${validTo.local.slice(0, 10)} ${validTo.local.slice(11, 16)}`).toBe(paris);
    return paris;
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    demo = await startDemo({ env: { RESABOX_DEMO_ACTIVITY_MS: '30000' } });
    supportToken = /Support token:\s+(\S+)/.exec(demo.output())?.[1] ?? '';
    expect(supportToken).toMatch(/^rbx_/);
    await waitAllBoxesOnline(demo, 3);
    // The expired member badges in at lyon-01 and is refused.
    await demoControl(demo, 'POST', '/boxes/lyon-01/badge', { lane: 'entry', tag: EXPIRED.tag });
    for (let i = 0; ; i++) {
      const v = await demoApi<{ passes: { reason: string }[] }>(demo, `/v1/members/${EXPIRED.id}`);
      if (v.passes.some((p) => p.reason === 'outside-validity')) break;
      if (i > 300) throw new Error(`the refusal of ${EXPIRED.id} never reached the fleet`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const profile = mkdtempSync(join(work, 'chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = context.pages()[0] ?? (await context.newPage());
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    if (demo) {
      await demo.stop();
      expect(demo.groupAlive()).toBe(false);
    }
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('dashboard: support finds the refused member by name and reads the cause with its date and rule', async () => {
    await page.goto(`${demo.baseUrl}/ui/#/members`);
    await page.locator('#token').fill(supportToken);
    await page.locator('#login-form button').click();
    await page.locator('#member-q').fill('adam ly');
    await page.locator('#member-search button').click();
    await page.locator('#member-results a', { hasText: EXPIRED.id }).click();
    await page.locator('#member-name', { hasText: EXPIRED.name }).waitFor(WAIT);
    const end = await expectedEnd();
    const cause = page.locator('#member-passes details.explanation summary', { hasText: 'Refused: subscription' }).first();
    await cause.waitFor(WAIT);
    expect(await cause.textContent()).toBe(`Refused: subscription sub-${EXPIRED.id} ended on ${end}`);
    await cause.click();
    const failed = page.locator('#member-passes details[open] tr', { hasText: 'fail' });
    await expect(failed.locator('td').nth(1).textContent()).resolves.toBe('right');
    await expect(failed.textContent()).resolves.toContain('"status":"ended"');
    await expect(page.locator('.member-club').textContent()).resolves.toMatch(/ended/);
    await page.screenshot({ path: join(ARTIFACTS, '1-member.png'), fullPage: true });
  }, STEP_MS);

  it('dashboard: the doctor names the silenced printer as the cause, with the next step', async () => {
    await demoControl(demo, 'POST', '/boxes/lyon-01/printer', { silent: true });
    await page.goto(`${demo.baseUrl}/ui/#/box/lyon-01`);
    await page.locator('#run-doctor').click();
    const printer = page.locator('#doctor-report tr.doctor-line[data-kind="printer"]');
    await printer.waitFor(WAIT);
    await expect(printer.getAttribute('class')).resolves.toContain('fail');
    await expect(printer.textContent()).resolves.toMatch(/PRINTER_NO_REPLY/);
    await expect(printer.locator('.advice').textContent()).resolves.toMatch(/Likely cause: The printer “printer” did not answer.*Next step: Ask the club to check that the printer is powered on/s);
    expect(await page.locator('#doctor-report tr.doctor-line.fail').count()).toBe(1);
    await expect(page.locator('#doctor-status').textContent()).resolves.toMatch(/^Problem: printer: /);
    await page.screenshot({ path: join(ARTIFACTS, '2-doctor.png'), fullPage: true });
  }, STEP_MS);

  it('dashboard: downloads the escalation bundle; it holds every part and its creation is audited with the ticket', async () => {
    await page.locator('#bundle-ticket').fill('SUP-1901');
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.locator('#bundle').click()]);
    expect(download.suggestedFilename()).toMatch(/^resabox-lyon-01-SUP-1901-\d{8}T\d{6}\.tar\.gz$/);
    const file = join(work, download.suggestedFilename());
    await download.saveAs(file);
    const files = await unpack(file);
    expect(Object.keys(files).sort()).toEqual(['README.txt', 'box.json', 'config.json', 'devices.json', 'doctor.json', 'doctor.txt', 'health.csv', 'logs.txt', 'release.json', 'timeline.json', 'timeline.txt']);
    expect(files['doctor.txt']).toMatch(/FAIL printer printer .*PRINTER_NO_REPLY/);
    expect(files['timeline.txt']).toMatch(new RegExp(`pass\\s+warning\\s+lane entry in ${EXPIRED.id}: Refused: subscription sub-${EXPIRED.id} ended on`));
    expect(JSON.parse(files['release.json'] ?? '{}')).toMatchObject({ running: '0.1.0', hardware: 'rbx-demo' });
    expect(JSON.parse(files['config.json'] ?? '{}').running.box).toEqual({ id: 'lyon-01', name: 'Lyon accueil' });
    expect(files['logs.txt']).toMatch(/recent log lines fetched from the box/);
    expect(files['health.csv']?.split('\n')[0]).toBe('metric,at,iso,value,samples,resolution_ms');
    const audit = await demoApi<{ entries: { actorRole: string; ticket: string; target: string }[] }>(demo, '/v1/audit?action=ticket.bundle');
    expect(audit.entries[0]).toMatchObject({ actorRole: 'support', ticket: 'SUP-1901', target: 'lyon-01' });
  }, STEP_MS);

  it('CLI: member show by name gives the cause with its date, the rights and each box version', async () => {
    const end = await expectedEnd();
    const r = await cli('member', 'show', '--name', EXPIRED.name);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Member ${EXPIRED.id}: ${EXPIRED.name}`);
    expect(r.out).toContain(`Refused: subscription sub-${EXPIRED.id} ended on ${end}`);
    expect(r.out).toMatch(/club-lyon\s+lyon-01\s+yes\s+v\d+\s+(no|yes, by \d+)/);
    const explained = await cli('member', 'show', EXPIRED.id, '--explain');
    expect(explained.out).toMatch(/FAIL right\s+\{"chosen":null/);
    const none = await cli('member', 'show', 'nobody-here');
    expect([none.code, none.err.trim()]).toEqual([1, 'MEMBER_NOT_FOUND (HTTP 404): no member nobody-here in any club']);
  }, STEP_MS);

  it('CLI: box doctor names the printer with its likely cause', async () => {
    const r = await cli('box', 'doctor', 'lyon-01', '--ticket', 'SUP-1902');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Doctor on lyon-01 .*: 1 failed/);
    expect(r.out).toMatch(/FAIL\s+printer printer\s+[\d.]+ ms\s+printer does not answer status requests \[PRINTER_NO_REPLY\]/);
    expect(r.out).toMatch(/likely cause: The printer “printer” did not answer the box/);
    await demoControl(demo, 'POST', '/boxes/lyon-01/printer', { silent: false });
  }, STEP_MS);

  it('CLI: ticket bundle writes the archive for a box, and for a powered-off box says it is offline; the doctor refuses it at once', async () => {
    const out = join(work, 'cli-bundle.tar.gz');
    const r = await cli('ticket', 'bundle', 'lyon-01', '--from', '1h', '--to', 'now', '--ticket', 'SUP-1903', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`^wrote ${out} \\(\\d+ bytes, sha256 [0-9a-f]{64}\\); audited with ticket SUP-1903`));
    expect((await unpack(out))['README.txt']).toMatch(/ticket: SUP-1903/);

    await demoControl(demo, 'POST', '/boxes/nantes-01/power', { on: false });
    for (let i = 0; (await demoApi<{ online: boolean }>(demo, '/v1/boxes/nantes-01')).online; i++) {
      if (i > 300) throw new Error('nantes-01 still online after its power-off');
      await new Promise((r2) => setTimeout(r2, 300));
    }
    const doctor = await cli('box', 'doctor', 'nantes-01');
    expect(doctor.code).toBe(1);
    expect(doctor.err).toMatch(/^BOX_OFFLINE \(HTTP 409\): box nantes-01 is offline \(last seen .*\): the doctor needs it connected/);
    // Refused before anything was sent: no diagnose command waits in the broker for the box to come back.
    const sent = await demoApi<{ commands: { kind: string }[] }>(demo, '/v1/boxes/nantes-01/commands');
    expect(sent.commands.filter((c) => c.kind === 'diagnose')).toEqual([]);
    const offline = join(work, 'offline.tar.gz');
    const b = await cli('ticket', 'bundle', 'nantes-01', '--from', '2h', '--to', 'now', '--out', offline);
    expect(b.code, b.err).toBe(0);
    const files = await unpack(offline);
    expect(files['README.txt']).toMatch(/box: offline/);
    expect(files['logs.txt']).toMatch(/the box is offline/);
    expect(files['timeline.txt']).toMatch(/event\s+warning\s+box disconnected from the fleet \(offline\)/);
    await demoControl(demo, 'POST', '/boxes/nantes-01/power', { on: true });
  }, STEP_MS);

  async function unpack(file: string): Promise<Record<string, string>> {
    const dir = mkdtempSync(join(work, 'x-'));
    const names: string[] = [];
    await tar.x({ file, cwd: dir, onReadEntry: (e) => void names.push(e.path) });
    return Object.fromEntries(names.map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
  }
});
