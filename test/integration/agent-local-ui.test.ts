import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Em4100ReaderSim } from '../../firmware-sim/em4100/em4100-sim.ts';
import { listenTcpLink } from '../../firmware-sim/links.ts';
import { EscposPrinterSim } from '../../firmware-sim/printer/printer-sim.ts';
import { createTurnstileSim, type SimulatedTurnstile } from '../../firmware-sim/turnstile/index.ts';
import { systemClock } from '../../platform/clock.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The real agent process (bin/resabox-agent.js) with its devices on TCP links to the
 * firmware-sim simulators: its local pages are up on the configured port, serve the totem
 * page, and stream a refusal in plain words when an unknown badge is presented. Proves the
 * wiring of agent/main.ts; the browser test (test/e2e/totem.browser.test.ts) covers the pages.
 */
const dir = mkdtempSync(join(tmpdir(), 'agent-local-ui-'));
let agent: ChildProcess;
let uiUrl: string;
let arm: SimulatedTurnstile;
const links: { close(): Promise<void> }[] = [];
let reader: Em4100ReaderSim;
let output = '';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  const readerLink = await listenTcpLink();
  const ioLink = await listenTcpLink();
  const printerLink = await listenTcpLink();
  links.push(readerLink, ioLink, printerLink);
  reader = new Em4100ReaderSim(readerLink, { clock: systemClock });
  arm = createTurnstileSim(ioLink, systemClock, { windowMs: 2500, personDelayMs: [50, 100] });
  new EscposPrinterSim(printerLink);
  const uiPort = await freePort();
  uiUrl = `http://127.0.0.1:${uiPort}`;
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'creds.json'), JSON.stringify({ password: 'not-enrolled' }), { mode: 0o600 });
  writeFileSync(
    join(dir, 'box.yaml'),
    `
box: { id: club-proc, name: "Club Process" }
fleet: { url: "mqtt://127.0.0.1:9", credentialsFile: creds.json }
dataDir: data
buses:
  - { id: io-entry, transport: { kind: tcp, host: 127.0.0.1, port: ${ioLink.port} } }
devices:
  - { id: reader-entry, kind: em4100, transport: { kind: tcp, host: 127.0.0.1, port: ${readerLink.port} } }
  - id: tripod-entry
    kind: turnstile
    bus: io-entry
    address: 1
    coils: { unlockIn: 0, unlockOut: 1 }
    inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 }
    mode: pulse
    pulseMs: 200
    passageWindowMs: 3000
  - { id: desk-printer, kind: printer, transport: { kind: tcp, host: 127.0.0.1, port: ${printerLink.port} } }
lanes:
  - { id: entry, kind: entry, zone: gym, turnstile: tripod-entry, readers: [{ reader: reader-entry, direction: in }] }
printer: desk-printer
localUi: { port: ${uiPort}, host: 127.0.0.1, deskPinRef: "env:RESABOX_TEST_DESK_PIN" }
offline: { rightsMaxAgeHours: 72, whenRightsExpired: deny-all }
`,
  );
  agent = spawn(process.execPath, ['bin/resabox-agent.js', '--config', join(dir, 'box.yaml')], { env: { ...process.env, LOG_LEVEL: 'warn', RESABOX_TEST_DESK_PIN: '2468' }, stdio: ['ignore', 'pipe', 'pipe'] });
  agent.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  agent.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${uiUrl}/totem`).catch(() => undefined))?.ok !== true) {
    if (Date.now() > deadline || agent.exitCode !== null) throw new Error(`the agent did not serve its pages (exit ${agent.exitCode}):\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 90_000);

afterAll(async () => {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
  }
  arm?.dispose();
  await Promise.all(links.map((l) => l.close()));
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('the agent process serves its local pages', () => {
  it('the totem page, with a Content-Security-Policy that keeps it on the box', async () => {
    const res = await fetch(`${uiUrl}/totem`);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('Présentez votre badge');
  });

  it('an unknown badge at the reader reaches the totem stream as a refusal in plain words', async () => {
    const controller = new AbortController();
    const res = await fetch(`${uiUrl}/api/totem/events`, { signal: controller.signal });
    const body = res.body?.getReader();
    if (!body) throw new Error('no stream');
    let text = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await body.read();
        if (done) return;
        text += Buffer.from(value).toString('utf8');
      }
    })().catch(() => undefined);
    await waitFor(() => text.includes('event: hello'), 30_000, 'the hello event');
    reader.present({ version: 0, tag: 999_999 });
    await waitFor(() => text.includes('event: presentation'), 30_000, 'the presentation event');
    reader.remove();
    controller.abort();
    await reading;
    const data = text.split('event: presentation\ndata: ')[1]?.split('\n')[0] ?? '';
    expect(JSON.parse(data)).toMatchObject({ kind: 'refused', laneId: 'entry', reason: 'unknown-credential', label: 'Badge inconnu' });
    expect(text).toContain('"club":"Club Process"');
  });

  it('the desk refuses a wrong PIN and accepts the one its env: ref names', async () => {
    const login = (pin: string) => fetch(`${uiUrl}/api/desk/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operator: 'Léa', pin }) });
    expect((await login('1111')).status).toBe(401);
    const ok = await login('2468');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toMatch(/^resabox_desk_club-proc=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict/);
  });
});
