import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Clock } from '../platform/clock.ts';
import { Em4100ReaderSim } from '../firmware-sim/em4100/em4100-sim.ts';
import { HidScannerSim } from '../firmware-sim/hid-scanner/hid-scanner-sim.ts';
import { EscposPrinterSim } from '../firmware-sim/printer/printer-sim.ts';
import { createTurnstileSim, SIM_WATCHDOG, type SimulatedTurnstile } from '../firmware-sim/turnstile/index.ts';
import { openDemoLink, type DemoLink, type LinkMode } from './links.ts';
import { Supervisor } from './supervisor.ts';

/** Repeated reads of one credential at a lane within this window are dropped (agent/lanes/debounce.ts). */
export const DEMO_LANE_DEBOUNCE_MS = 1500;

/**
 * The simulated I/O modules' communication watchdog, as a box configures it: when the agent
 * dies (or the launcher swaps releases) the module drops every relay after this long without
 * a request. Seconds, as the simulated module counts them (SIM_WATCHDOG).
 */
export const DEMO_MODULE_WATCHDOG = { ...SIM_WATCHDOG, timeoutMs: 2000 } as const;

/** The simulated hardware of one box, and the supervised launcher running its agent. */
export interface ClubBox {
  readonly boxId: string;
  /** The box's root (RESABOX_ROOT): releases/, current, launcher/, update/, trust/, etc/, data/. */
  readonly root: string;
  readonly readers: { readonly entry: Em4100ReaderSim; readonly exit: Em4100ReaderSim; readonly pmr: Em4100ReaderSim };
  /** The QR scanner of the entry lane (members' QR codes, printed tickets). */
  readonly scanner: HidScannerSim;
  readonly turnstiles: { readonly entry: SimulatedTurnstile; readonly exit: SimulatedTurnstile; readonly pmr: SimulatedTurnstile };
  readonly printer: EscposPrinterSim;
  readonly links: readonly DemoLink[];
  /** The launcher process under its supervisor (systemd's role): stop() and start() it to power the box down and up. */
  readonly launcher: Supervisor;
  /** The box's own pages, served by its agent. */
  readonly pages: { readonly totem: string; readonly desk: string };
  stop(): Promise<void>;
}

/** The release every demo box is installed with (a compiled build, demo/release.ts). */
export interface InstalledRelease {
  readonly dir: string;
  readonly version: string;
  /** The launcher built with it; in production it is installed once, apart from releases. */
  readonly launcherFile: string;
}

export interface ClubBoxOptions {
  readonly boxId: string;
  readonly name: string;
  readonly root: string;
  readonly mqttUrl: string;
  readonly linkMode: LinkMode;
  readonly clock: Clock;
  readonly seed: number;
  readonly release: InstalledRelease;
  /** The launcher's trial period and health deadline for a new release, in seconds. */
  readonly trialS: number;
  readonly healthTimeoutS: number;
  /** The launcher's `--agent-optimize`: the agent with V8's optimizing compiler (default off, as in production). */
  readonly agentOptimize?: boolean;
  /** How long a configuration set from the fleet has to bring its changed devices up (RESABOX_CONFIG_TRIAL_S). */
  readonly configTrialS: number;
  /** The agent's and launcher's log level (pino), written to <root>/agent.log. */
  readonly logLevel: string;
  /** The port of the box's pages (totem, desk); 0 picks a free one. */
  readonly pagesPort: number;
  /** The file holding the demo's front-desk PIN. */
  readonly deskPinFile: string;
}

export const boxPaths = (root: string) => ({
  config: join(root, 'etc', 'box.json'),
  credentials: join(root, 'etc', 'fleet-credentials.json'),
  log: join(root, 'agent.log'),
});

/**
 * The demo's front-desk PIN: six random digits kept in `<data>/demo-desk-pin` (0600), so a
 * restarted demo prints the same one. Every box's configuration points at this file.
 */
export function ensureDemoDeskPin(dataDir: string): { readonly pin: string; readonly file: string } {
  const file = join(dataDir, 'demo-desk-pin');
  const saved = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (/^\d{6}$/.test(saved)) return { pin: saved, file };
  const pin = String(randomInt(0, 1_000_000)).padStart(6, '0');
  writeFileSync(file, `${pin}\n`, { mode: 0o600 });
  return { pin, file };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Installs the release as the box's first one, as a box leaves the factory:
 * `releases/<version>` and `current` pointing at it. A box that already has a `current`
 * (an earlier run, maybe updated since) keeps its releases.
 */
async function installFirstRelease(root: string, release: InstalledRelease): Promise<void> {
  if (existsSync(join(root, 'current'))) return;
  await cp(release.dir, join(root, 'releases', release.version), { recursive: true });
  await symlink(join('releases', release.version), join(root, 'current'));
}

/**
 * One box of the demo: the firmware simulators (an entry lane with an EM4100 reader and a QR
 * scanner, an exit lane, an accessible (PMR) gate with its own reader, each turnstile's I/O
 * module on its Modbus line, an ESC/POS printer) behind real byte links, the agent's
 * configuration for them, and the box's software as in production: the launcher
 * (releases side by side, trial, rollback) running the compiled agent of `current`, under a
 * supervisor that restarts it (logs in <root>/agent.log).
 */
export async function startClubBox(o: ClubBoxOptions): Promise<ClubBox> {
  const p = boxPaths(o.root);
  mkdirSync(join(o.root, 'etc'), { recursive: true });
  const links: DemoLink[] = [];
  const launcher = new Supervisor({
    command: process.execPath,
    args: [o.release.launcherFile, '--root', o.root, '--trial', String(o.trialS), '--health-timeout', String(o.healthTimeoutS), ...(o.agentOptimize === true ? ['--agent-optimize'] : [])],
    env: { ...process.env, RESABOX_ROOT: o.root, RESABOX_CONFIG: p.config, RESABOX_CONFIG_TRIAL_S: String(o.configTrialS), LOG_LEVEL: o.logLevel },
    logFile: p.log,
    clock: o.clock,
  });
  const stopAll = async (): Promise<void> => {
    await launcher.stop();
    for (const l of links.splice(0)) await l.stop().catch(() => undefined);
  };
  try {
    const ptyDir = join(o.root, 'pty');
    const open = async (name: string, baud: number) => {
      const l = await openDemoLink(o.linkMode, ptyDir, name, baud);
      links.push(l);
      return l;
    };
    // One Modbus line per turnstile: each driver owns its line's master.
    const modbusEntry = await open('modbus-entry', 19200);
    const modbusExit = await open('modbus-exit', 19200);
    const modbusPmr = await open('modbus-pmr', 19200);
    const readerEntry = await open('reader-entry', 9600);
    const readerExit = await open('reader-exit', 9600);
    const readerPmr = await open('reader-pmr', 9600);
    // No virtual USB here (no /dev/uhid): the scanner's keyboard reports travel over a byte link.
    const scannerLink = await open('scanner-entry', 9600);
    const printerLink = await open('printer', 9600);
    const turnstiles = {
      entry: createTurnstileSim(modbusEntry.device, o.clock, { unit: 1, seed: o.seed }),
      exit: createTurnstileSim(modbusExit.device, o.clock, { unit: 1, seed: o.seed + 1 }),
      pmr: createTurnstileSim(modbusPmr.device, o.clock, { unit: 1, seed: o.seed + 2 }),
    };
    const readers = {
      entry: new Em4100ReaderSim(readerEntry.device, { clock: o.clock }),
      exit: new Em4100ReaderSim(readerExit.device, { clock: o.clock }),
      pmr: new Em4100ReaderSim(readerPmr.device, { clock: o.clock }),
    };
    const scanner = new HidScannerSim({ write: (d) => scannerLink.device.write(d), onData: (l) => scannerLink.device.onData(l), unplug: () => undefined, plug: () => undefined }, { clock: o.clock });
    const printer = new EscposPrinterSim(printerLink.device);
    const turnstile = (id: string, bus: string) => ({
      id,
      kind: 'turnstile',
      bus,
      address: 1,
      coils: { unlockIn: 0, unlockOut: 1 },
      inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 },
      mode: 'pulse',
      pulseMs: 200,
      passageWindowMs: 6000,
      moduleWatchdog: DEMO_MODULE_WATCHDOG,
    });
    const config = {
      box: { id: o.boxId, name: o.name },
      fleet: { url: o.mqttUrl, credentialsFile: p.credentials },
      dataDir: join(o.root, 'data'),
      buses: [
        { id: 'modbus-entry', transport: modbusEntry.transport },
        { id: 'modbus-exit', transport: modbusExit.transport },
        { id: 'modbus-pmr', transport: modbusPmr.transport },
      ],
      devices: [
        { id: 'reader-entry', kind: 'em4100', transport: readerEntry.transport },
        { id: 'scanner-entry', kind: 'hid-wedge', transport: scannerLink.transport },
        { id: 'reader-exit', kind: 'em4100', transport: readerExit.transport },
        { id: 'reader-pmr', kind: 'em4100', transport: readerPmr.transport },
        turnstile('turnstile-entry', 'modbus-entry'),
        turnstile('turnstile-exit', 'modbus-exit'),
        turnstile('turnstile-pmr', 'modbus-pmr'),
        { id: 'printer', kind: 'printer', transport: printerLink.transport, columns: 42 },
      ],
      lanes: [
        { id: 'entry', kind: 'entry', zone: 'club', turnstile: 'turnstile-entry', readers: [{ reader: 'reader-entry', direction: 'in' }, { reader: 'scanner-entry', direction: 'in' }] },
        { id: 'exit', kind: 'exit', zone: 'club', turnstile: 'turnstile-exit', readers: [{ reader: 'reader-exit', direction: 'out' }] },
        // The accessible gate has its reader on the way in and a push button on the way out; the totem does not stand by it.
        { id: 'pmr', kind: 'accessible', zone: 'club', turnstile: 'turnstile-pmr', readers: [{ reader: 'reader-pmr', direction: 'in' }] },
      ],
      printer: 'printer',
      localUi: { port: o.pagesPort === 0 ? await freePort() : o.pagesPort, host: '127.0.0.1', deskPinRef: `file:${o.deskPinFile}` },
      offline: { rightsMaxAgeHours: 168, whenRightsExpired: 'keep-known-members' },
      lanePolicy: { debounceMs: DEMO_LANE_DEBOUNCE_MS },
    };
    writeFileSync(p.config, JSON.stringify(config, null, 2));
    await installFirstRelease(o.root, o.release);
    launcher.start();
    const pages = `http://127.0.0.1:${config.localUi.port}`;
    return { boxId: o.boxId, root: o.root, readers, scanner, turnstiles, printer, links, launcher, pages: { totem: `${pages}/totem`, desk: `${pages}/desk` }, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
