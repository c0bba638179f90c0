import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WATCHDOG_RETRY_MS } from '../../agent/devices/turnstile/module-watchdog.ts';
import { REPO_ROOT } from '../../cli/bundle/archive.ts';
import { openSerialLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { createTurnstileSim, SIM_WATCHDOG, type SimulatedTurnstile } from '../../firmware-sim/turnstile/index.ts';
import { systemClock } from '../../platform/clock.ts';
import { freePort } from '../support/launched-box.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';
import { sleep, waitFor } from '../support/wait.ts';

/*
 * The turnstile must lock when the agent dies. The real agent (bin/resabox-agent.js) runs
 * in a child process with its turnstile I/O module on a socat pty; the simulated module
 * (Wiren Board-like watchdog in holding register 8, in seconds) sits on the other end in
 * this process. A desk manual open in potential mode holds the unlock relay on; the agent
 * is then killed with SIGKILL, and the relay must drop within the watchdog time.
 */
const WATCHDOG_MS = 1000;

let pty: PtyPair;
let link: ClosableLink;
let sim: SimulatedTurnstile;
let dir: string;
let agent: ChildProcess | undefined;
let output = '';

const boxYaml = (tty: string, ui: number, mqtt: number, reader: number) => `
box: { id: box-killed, name: "Club killed" }
fleet: { url: "mqtt://127.0.0.1:${mqtt}", credentialsFile: creds.json }
dataDir: data
buses:
  - { id: io-entry, transport: { kind: serial, path: "${tty}", baudRate: 9600 } }
devices:
  # No reader answers: the lane is opened from the desk.
  - { id: reader-entry, kind: em4100, transport: { kind: tcp, host: 127.0.0.1, port: ${reader} } }
  - id: tripod-entry
    kind: turnstile
    bus: io-entry
    address: 1
    coils: { unlockIn: 0, unlockOut: 1 }
    inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 }
    mode: potential
    pulseMs: 200
    passageWindowMs: 30000
    moduleWatchdog: { register: ${SIM_WATCHDOG.register}, unitMs: ${SIM_WATCHDOG.unitMs}, timeoutMs: ${WATCHDOG_MS} }
lanes:
  - { id: entry, kind: entry, zone: gym, turnstile: tripod-entry, readers: [{ reader: reader-entry, direction: in }] }
localUi: { port: ${ui}, host: 127.0.0.1, deskPinRef: "file:desk.pin" }
offline: { rightsMaxAgeHours: 72, whenRightsExpired: deny-all }
`;

beforeAll(async () => {
  pty = await startPtyPair();
  link = await openSerialLink(pty.b, 9600);
  // Nobody walks through: the relay stays held for the whole (long) window.
  sim = createTurnstileSim(link, systemClock, { mode: 'potential', windowMs: 30_000, walkAwayRate: 1 });
  dir = await mkdtemp(join(tmpdir(), 'resabox-killed-'));
}, 30_000);

afterAll(async () => {
  if (agent && agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
  sim?.dispose();
  await link?.close();
  await pty?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('turnstile I/O watchdog: the relay drops when the agent dies', () => {
  it('an agent killed with SIGKILL while holding the unlock relay on: the module drops it within the watchdog time', async () => {
    const ui = await freePort();
    await writeFile(join(dir, 'box.yaml'), boxYaml(pty.a, ui, await freePort(), await freePort()));
    await writeFile(join(dir, 'creds.json'), JSON.stringify({ password: 'not-used-offline' }), { mode: 0o600 });
    // The desk PIN file is looked up in the data directory.
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'desk.pin'), '2468\n', { mode: 0o600 });
    agent = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'resabox-agent.js'), '--config', join(dir, 'box.yaml')], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
    agent.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    agent.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));

    // The agent arms the module's watchdog at start.
    const alive = (): true => {
      if (agent?.exitCode !== null || agent.signalCode !== null) throw new Error(`the agent exited:\n${output}`);
      return true;
    };
    await waitFor('the agent arming the module watchdog', () => alive() && sim.module.register(SIM_WATCHDOG.register) === WATCHDOG_MS / SIM_WATCHDOG.unitMs, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${output}`);
    });

    const base = `http://127.0.0.1:${ui}`;
    let login: Response | undefined;
    for (let i = 0; i < 100 && !login?.ok; i++) {
      login = await fetch(`${base}/api/desk/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operator: 'Léa', pin: '2468' }) }).catch(() => undefined);
      if (!login?.ok) await new Promise((r) => setTimeout(r, 200));
    }
    expect(login?.status).toBe(200);
    const cookie = login!.headers.get('set-cookie')!.split(';')[0]!;
    // The manual open holds the relay for the whole window: do not wait for its answer.
    let openAnswer = '(no answer yet)';
    const deskOpen = (): void => {
      openAnswer = '(no answer yet)';
      void fetch(`${base}/api/desk/open`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ laneId: 'entry', reason: 'test: agent killed', direction: 'in' }) })
        .then(async (r) => (openAnswer = `${r.status} ${await r.text()}`))
        .catch((e: Error) => (openAnswer = e.message));
    };
    // Potential mode refuses (OUT_OF_SERVICE) until the agent has read the armed watchdog
    // back. On a loaded machine that read may time out at start; the agent retries it every
    // second (WATCHDOG_RETRY_MS), so a refused open is asked again.
    for (let attempt = 1; ; attempt++) {
      deskOpen();
      await waitFor('the unlock relay on, or the open refused', () => sim.module.coil(0) || openAnswer.includes('OUT_OF_SERVICE'), 30_000).catch((e: Error) => {
        throw new Error(`${e.message}; desk open answered: ${openAnswer}\n${output}`);
      });
      if (sim.module.coil(0)) break;
      if (attempt === 10) throw new Error(`the desk open was refused ${attempt} times: ${openAnswer}\n${output}`);
      await sleep(WATCHDOG_RETRY_MS);
    }

    let killedAt = Number.POSITIVE_INFINITY;
    let droppedAt: number | undefined;
    sim.module.onCoilChange((address, on) => {
      if (address === 0 && !on && performance.now() >= killedAt) droppedAt ??= performance.now();
    });
    const requestsBefore = sim.module.stats.requests;
    // On a loaded machine the agent may have missed the watchdog once already (the relay then
    // dropped and the agent put it back): only the trips from here on count.
    await waitFor('the relay held at the kill', () => sim.module.coil(0), 15_000);
    const tripsBefore = sim.module.stats.watchdogTrips;
    killedAt = performance.now();
    agent.kill('SIGKILL');
    await new Promise<void>((r) => (agent!.exitCode !== null || agent!.signalCode !== null ? r() : agent!.once('exit', () => r())));
    // The agent was polling the module until it died: the relay was held by a live agent.
    expect(requestsBefore).toBeGreaterThan(5);

    await waitFor('the module dropping the relay', () => droppedAt !== undefined, 10_000);
    // Dropped by the module's watchdog (nothing else switches a coil off once the agent is dead),
    // which the module runs for WATCHDOG_MS from the last request it got.
    expect(sim.module.stats.watchdogTrips).toBe(tripsBefore + 1);
    expect(sim.module.watchdogMs).toBe(WATCHDOG_MS);
    expect(sim.module.coil(0)).toBe(false);
    expect(droppedAt).toBeGreaterThan(killedAt);
  }, 120_000);
});
