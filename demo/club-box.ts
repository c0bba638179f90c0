import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/log.ts';
import { Em4100ReaderSim } from '../firmware-sim/em4100/em4100-sim.ts';
import { EscposPrinterSim } from '../firmware-sim/printer/printer-sim.ts';
import { createTurnstileSim, type SimulatedTurnstile } from '../firmware-sim/turnstile/index.ts';
import { startInlineAgent } from './inline-agent.ts';
import { openDemoLink, type DemoLink, type LinkMode } from './links.ts';

const AGENT_MAIN = fileURLToPath(new URL('../agent/main.ts', import.meta.url));

/** The simulated hardware of one box, and the agent process driving it. */
export interface ClubBox {
  readonly boxId: string;
  readonly readers: { readonly entry: Em4100ReaderSim; readonly exit: Em4100ReaderSim };
  readonly turnstiles: { readonly entry: SimulatedTurnstile; readonly exit: SimulatedTurnstile };
  readonly printer: EscposPrinterSim;
  readonly links: readonly DemoLink[];
  stop(): Promise<void>;
}

export interface ClubBoxOptions {
  readonly boxId: string;
  readonly name: string;
  readonly dir: string;
  readonly credentialsFile: string;
  readonly mqttUrl: string;
  readonly linkMode: LinkMode;
  readonly clock: Clock;
  readonly seed: number;
  /** inline: the agent composition in this process; process: `agent/main.ts` as a child process. */
  readonly agentMode: 'inline' | 'process';
  readonly logger: Logger;
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
 * One box of the demo: the firmware simulators (two EM4100 readers, two turnstile I/O modules
 * each on its Modbus line, an ESC/POS printer) behind real byte links, the agent's configuration
 * for them, and the agent running it: in this process, or `agent/main.ts` as a child process (logs in
 * <dir>/agent.log).
 */
export async function startClubBox(o: ClubBoxOptions): Promise<ClubBox> {
  mkdirSync(o.dir, { recursive: true });
  const links: DemoLink[] = [];
  let agent: ChildProcess | undefined;
  let inline: { stop(): Promise<void> } | undefined;
  const stopAll = async (): Promise<void> => {
    await inline?.stop().catch(() => undefined);
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      const exited = new Promise<void>((r) => agent?.once('exit', () => r()));
      agent.kill('SIGTERM');
      const killer = setTimeout(() => agent?.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(killer);
    }
    for (const l of links.splice(0)) await l.stop().catch(() => undefined);
  };
  try {
    const ptyDir = join(o.dir, 'pty');
    const open = async (name: string, baud: number) => {
      const l = await openDemoLink(o.linkMode, ptyDir, name, baud);
      links.push(l);
      return l;
    };
    // One Modbus line per turnstile: each driver owns its line's master.
    const modbusEntry = await open('modbus-entry', 19200);
    const modbusExit = await open('modbus-exit', 19200);
    const readerEntry = await open('reader-entry', 9600);
    const readerExit = await open('reader-exit', 9600);
    const printerLink = await open('printer', 9600);
    const turnstiles = {
      entry: createTurnstileSim(modbusEntry.device, o.clock, { unit: 1, seed: o.seed }),
      exit: createTurnstileSim(modbusExit.device, o.clock, { unit: 1, seed: o.seed + 1 }),
    };
    const readers = { entry: new Em4100ReaderSim(readerEntry.device, { clock: o.clock }), exit: new Em4100ReaderSim(readerExit.device, { clock: o.clock }) };
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
    });
    const config = {
      box: { id: o.boxId, name: o.name },
      fleet: { url: o.mqttUrl, credentialsFile: o.credentialsFile },
      dataDir: join(o.dir, 'data'),
      buses: [
        { id: 'modbus-entry', transport: modbusEntry.transport },
        { id: 'modbus-exit', transport: modbusExit.transport },
      ],
      devices: [
        { id: 'reader-entry', kind: 'em4100', transport: readerEntry.transport },
        { id: 'reader-exit', kind: 'em4100', transport: readerExit.transport },
        turnstile('turnstile-entry', 'modbus-entry'),
        turnstile('turnstile-exit', 'modbus-exit'),
        { id: 'printer', kind: 'printer', transport: printerLink.transport, columns: 42 },
      ],
      lanes: [
        { id: 'entry', kind: 'entry', zone: 'club', turnstile: 'turnstile-entry', readers: [{ reader: 'reader-entry', direction: 'in' }] },
        { id: 'exit', kind: 'exit', zone: 'club', turnstile: 'turnstile-exit', readers: [{ reader: 'reader-exit', direction: 'out' }] },
      ],
      printer: 'printer',
      localUi: { port: await freePort(), host: '127.0.0.1' },
      offline: { rightsMaxAgeHours: 168, whenRightsExpired: 'keep-known-members' },
      lanePolicy: { debounceMs: 1500 },
    };
    const configFile = join(o.dir, 'box.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    if (o.agentMode === 'inline') {
      inline = await startInlineAgent(configFile, o.clock, o.logger.child({ box: o.boxId }));
      return { boxId: o.boxId, readers, turnstiles, printer, links, stop: stopAll };
    }
    const log = createWriteStream(join(o.dir, 'agent.log'), { flags: 'a' });
    agent = spawn(process.execPath, ['--import', 'tsx', AGENT_MAIN, '--config', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: process.env.RESABOX_DEMO_AGENT_LOG_LEVEL ?? "info" },
    });
    agent.stdout?.pipe(log);
    agent.stderr?.pipe(log);
    return { boxId: o.boxId, readers, turnstiles, printer, links, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
