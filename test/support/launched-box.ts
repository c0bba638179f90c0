import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { launcherPaths } from '../../agent/launcher/files.ts';
import { REPO_ROOT } from '../../cli/bundle/archive.ts';
import { Em4100ReaderSim } from '../../firmware-sim/em4100/em4100-sim.ts';
import { listenTcpLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { EscposPrinterSim } from '../../firmware-sim/printer/printer-sim.ts';
import { createTurnstileSim, type SimulatedTurnstile } from '../../firmware-sim/turnstile/index.ts';
import { systemClock } from '../../platform/clock.ts';
import { enrollBox, startTestFleet, type Json, type TestFleet } from './fleet-harness.ts';
import { makeBundle, makeRepository, publishBundle, type TestRepository } from './update-fixtures.ts';
import { until } from './uplink-e2e.ts';

/**
 * A box as it runs in a club: the real launcher process (agent/launcher/main.ts, or a
 * compiled launcher.mjs) over a box root, supervising the real agent whose reader,
 * turnstile I/O module and printer are firmware-sim simulators on TCP links in this
 * process. A release directory holds a manifest and an entry script that runs this
 * checkout's agent: by default bin/resabox-agent.js (agent/main.ts through tsx), or a
 * compiled agent.mjs (`resabox release build`) when the release kind names one. Releases
 * differ by version, not by code, except that a "broken" release is built against
 * box-broken.yaml (its turnstile at a Modbus address nothing answers), as a release with
 * a bad driver would be.
 */
export interface LaunchedBox {
  readonly root: string;
  readonly boxId: string;
  readonly printer: EscposPrinterSim;
  /** Presents an EM4100 tag at the entry reader (and removes it). */
  badge(tag: number): void;
  /** Passes the box journaled (decisions), oldest first: [decidedAt, reason]. */
  decisions(): { decidedAt: number; reason: string }[];
  /** The pid of the agent that last reported its health to the launcher (null before any). */
  agentPid(): number | null;
  output(): string;
  stop(): Promise<void>;
}

export interface ReleaseKind {
  broken?: boolean;
  /** A compiled release folder (`buildRelease`): its agent.mjs runs instead of bin/resabox-agent.js. */
  compiled?: string;
}

/** The entry script of a release: the real agent, reading its configuration from RESABOX_CONFIG. */
function entryScript(root: string, kind: ReleaseKind): string {
  const config = kind.broken ? `process.env.RESABOX_CONFIG = ${JSON.stringify(join(root, 'etc', 'box-broken.yaml'))};\n` : '';
  const agent = kind.compiled ? join(kind.compiled, 'agent.mjs') : join(REPO_ROOT, 'bin', 'resabox-agent.js');
  return `${config}await import(${JSON.stringify(pathToFileURL(agent).href)});\n`;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const boxYaml = (o: { boxId: string; mqttUrl: string; reader: number; io: number; printer: number; ui: number; ioAddress: number }) => `
box: { id: ${o.boxId}, name: "Club ${o.boxId}" }
fleet: { url: "${o.mqttUrl}", credentialsFile: creds.json }
dataDir: ../data
buses:
  - { id: io-entry, transport: { kind: tcp, host: 127.0.0.1, port: ${o.io} } }
devices:
  - { id: reader-entry, kind: em4100, transport: { kind: tcp, host: 127.0.0.1, port: ${o.reader} } }
  - id: tripod-entry
    kind: turnstile
    bus: io-entry
    address: ${o.ioAddress}
    coils: { unlockIn: 0, unlockOut: 1 }
    inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 }
    mode: pulse
    pulseMs: 200
    passageWindowMs: 1500
  - { id: desk-printer, kind: printer, transport: { kind: tcp, host: 127.0.0.1, port: ${o.printer} } }
lanes:
  - { id: entry, kind: entry, zone: gym, turnstile: tripod-entry, readers: [{ reader: reader-entry, direction: in }] }
printer: desk-printer
localUi: { port: ${o.ui}, host: 127.0.0.1 }
offline: { rightsMaxAgeHours: 72, whenRightsExpired: deny-all }
lanePolicy: { debounceMs: 0 }
`;

async function writeRelease(root: string, version: string, kind: ReleaseKind = {}): Promise<void> {
  const dir = join(root, 'releases', version);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'resabox-agent', version, hardware: 'rbx-a1', channel: 'stable', minVersion: '0.0.0', entry: 'agent.mjs', createdAt: new Date().toISOString() }));
  await writeFile(join(dir, 'agent.mjs'), entryScript(root, kind));
}

/** Signs a release of the real agent into the test repository and uploads it all into the fleet; returns the target name. */
export async function publishAgentRelease(f: TestFleet, r: TestRepository, root: string, version: string, kind: ReleaseKind = {}): Promise<string> {
  const name = await publishBundle(r, await makeBundle(r.base, { version, script: entryScript(root, kind) }), { version });
  const octet = { 'content-type': 'application/octet-stream' };
  const put = async (url: string, file: string) => {
    const res = await f.call('support', 'PUT', url, readFileSync(file), octet);
    if (res.status !== 201) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  await put(`/v1/updates/artifacts/${name}`, join(r.repo, 'targets', name));
  for (const file of readdirSync(join(r.repo, 'metadata'))) await put(`/v1/updates/metadata/${file}`, join(r.repo, 'metadata', file));
  return name;
}

export interface LaunchOptions {
  boxId: string;
  password: string;
  mqttUrl: string;
  /** The shipped trust anchor (the repository's 1.root.json). */
  anchor: string;
  version: string;
  trialS?: number;
  /** The release the box starts on, and the launcher: the compiled launcher.mjs of `release.compiled` if set. */
  release?: ReleaseKind;
}

export async function launchBox(o: LaunchOptions): Promise<LaunchedBox> {
  const root = await mkdtemp(join(tmpdir(), 'resabox-launched-'));
  const links: ClosableLink[] = [];
  const readerLink = await listenTcpLink();
  const ioLink = await listenTcpLink();
  const printerLink = await listenTcpLink();
  links.push(readerLink, ioLink, printerLink);
  const reader = new Em4100ReaderSim(readerLink, { clock: systemClock });
  const arm: SimulatedTurnstile = createTurnstileSim(ioLink, systemClock, { windowMs: 1200, personDelayMs: [20, 50] });
  const printer = new EscposPrinterSim(printerLink);
  const ports = { boxId: o.boxId, mqttUrl: o.mqttUrl, reader: readerLink.port, io: ioLink.port, printer: printerLink.port, ui: await freePort() };
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'data'), { recursive: true });
  await mkdir(join(root, 'trust'), { recursive: true });
  await writeFile(join(root, 'etc', 'box.yaml'), boxYaml({ ...ports, ioAddress: 1 }));
  await writeFile(join(root, 'etc', 'box-broken.yaml'), boxYaml({ ...ports, ioAddress: 7 }));
  await writeFile(join(root, 'etc', 'creds.json'), JSON.stringify({ password: o.password }), { mode: 0o600 });
  await writeFile(join(root, 'trust', 'root.json'), readFileSync(o.anchor));
  await writeRelease(root, o.version, o.release);
  await symlink(join('releases', o.version), join(root, 'current'));
  let output = '';
  const launcherEntry = o.release?.compiled ? [join(o.release.compiled, 'launcher.mjs')] : ['--import', 'tsx', join(REPO_ROOT, 'agent', 'launcher', 'main.ts')];
  const launcher: ChildProcess = spawn(process.execPath, [...launcherEntry, '--root', root, '--trial', String(o.trialS ?? 3), '--health-timeout', '60'], {
    cwd: REPO_ROOT,
    env: { ...process.env, RESABOX_CONFIG: join(root, 'etc', 'box.yaml'), LOG_LEVEL: process.env.RESABOX_TEST_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launcher.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  launcher.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const journalPath = join(root, 'data', 'journal.db');
  return {
    root,
    boxId: o.boxId,
    printer,
    badge(tag) {
      reader.present({ version: 0, tag });
      reader.remove();
    },
    decisions() {
      const db = new Database(journalPath, { readonly: true, fileMustExist: true });
      try {
        db.pragma('busy_timeout = 5000');
        return (db.prepare('SELECT body FROM passes ORDER BY seq').pluck().all() as string[]).map((b) => JSON.parse(b) as { decidedAt: number; reason: string });
      } finally {
        db.close();
      }
    },
    agentPid() {
      try {
        return (JSON.parse(readFileSync(launcherPaths(root).health, 'utf8')) as { pid: number }).pid;
      } catch {
        return null;
      }
    },
    output: () => output,
    async stop() {
      if (launcher.exitCode === null && launcher.signalCode === null) {
        const exited = new Promise((r) => launcher.once('exit', r));
        launcher.kill('SIGTERM');
        await exited;
      }
      arm.dispose();
      await Promise.all(links.map((l) => l.close()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

const CLOSED = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, []]));

export interface FleetAndBox {
  f: TestFleet;
  r: TestRepository;
  box: LaunchedBox;
  close(): Promise<void>;
}

/**
 * A fleet (embedded broker, API, repository server over HTTP), a signed repository, and
 * one enrolled box launched at 1.0.0 in a club that is closed (its maintenance window is
 * open); resolves once the fleet sees the box online.
 */
export async function fleetWithLaunchedBox(boxId = 'box-upd', launch: Pick<LaunchOptions, 'trialS' | 'release'> = {}): Promise<FleetAndBox> {
  const r = await makeRepository();
  const f = await startTestFleet({ http: { port: 0, host: '127.0.0.1' } });
  const closing: (() => Promise<unknown>)[] = [() => rm(r.base, { recursive: true, force: true }), () => f.close()];
  const close = async () => {
    for (const c of closing.reverse()) await c().catch(() => undefined);
  };
  try {
    const club = await f.call('admin', 'PUT', '/v1/clubs/club-upd', { name: 'Update club', timezone: 'Europe/Paris', openingHours: CLOSED });
    if (club.status !== 200) throw new Error(`club: ${JSON.stringify(club.body)}`);
    const { password } = await enrollBox(f, boxId, 'club-upd');
    const box = await launchBox({ boxId, password, mqttUrl: f.mqttUrl, anchor: r.anchor, version: '1.0.0', ...launch });
    closing.push(() => box.stop());
    const online = async () => ((b: Json) => (b.online === true && b.agentVersion === '1.0.0' ? true : undefined))((await f.call('viewer', 'GET', `/v1/boxes/${boxId}`)).body);
    await until(online, 'the box online with 1.0.0', 90_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${box.output()}`);
    });
    return { f, r, box, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Creates and starts a one-box rollout of `version` (canary wave only); returns its id. */
export async function startRollout(f: TestFleet, boxId: string, targetName: string, version: string): Promise<string> {
  const created = await f.call('support', 'POST', '/v1/rollouts', { name: `to ${version}`, version, targetName, hardware: 'rbx-a1', target: { boxes: [boxId] }, waves: { canary: 1, percents: [100] }, start: true });
  if (created.status !== 201) throw new Error(`rollout: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id as string;
}

/** The box's row once it succeeded, failed or rolled back; on a timeout, the box's record and logs say why. */
export async function boxFinished(f: TestFleet, rolloutId: string, box: LaunchedBox, timeoutMs = 240_000): Promise<Json> {
  const row = async (): Promise<Json> => (await f.call('viewer', 'GET', `/v1/rollouts/${rolloutId}/boxes`)).body.boxes[0];
  try {
    return await until(async () => {
      const b = await row();
      return ['succeeded', 'failed', 'rolled-back'].includes(b.state) ? b : undefined;
    }, 'the box finished its update', timeoutMs);
  } catch (e) {
    const record = await readFile(join(box.root, 'update', 'state.json'), 'utf8').catch(() => 'none');
    throw new Error(`${(e as Error).message}; box row ${JSON.stringify(await row())}; update record ${record}\n${box.output()}`);
  }
}
