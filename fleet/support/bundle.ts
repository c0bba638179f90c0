import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import type { Clock } from '../../platform/clock.ts';
import { apiError } from '../api/errors.ts';
import type { CommandCenter } from '../commands/command-center.ts';
import type { ConfigView } from '../config/config-service.ts';
import type { BoxDirectory } from '../store/box-directory.ts';
import type { FleetHistory } from '../store/fleet-history.ts';
import type { SupportQueries } from '../store/support-queries.ts';
import { sendAndWait } from './command-wait.ts';
import type { DoctorService, DoctorView } from './doctor.ts';
import { when } from './explain-words.ts';
import { checkWindow, type Timeline } from './timeline.ts';

export interface BundleDeps {
  readonly boxes: BoxDirectory;
  readonly history: FleetHistory;
  readonly queries: SupportQueries;
  readonly commands: CommandCenter;
  readonly doctor: DoctorService;
  readonly timeline: (boxId: string, from: number, to: number) => Promise<Timeline>;
  /** The remote configuration as the fleet holds it: desired, reported, and their difference. */
  readonly remoteConfig: (boxId: string) => Promise<ConfigView>;
  readonly clock: Clock;
  /** How long the box has to send its logs. */
  readonly logsWaitMs?: number;
}

export interface Bundle {
  readonly filename: string;
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly files: readonly string[];
}

const LOG_LINES = 2000;

/**
 * The escalation bundle (`resabox ticket bundle`, the dashboard's button): one tar.gz for the
 * developers with the box's timeline over the window, its recent logs, its configuration
 * without secrets, health series, device states, a doctor report and its software release.
 * A connected box is asked now (doctor, logs); for an offline box the bundle says so and
 * carries what the fleet last had.
 */
export async function createBundle(d: BundleDeps, boxId: string, from: number, to: number, operator: string, ticket: string | null): Promise<Bundle> {
  const box = await d.boxes.detail(boxId);
  if (!box) throw apiError('BOX_NOT_FOUND');
  checkWindow(from, to);
  const now = d.clock.now();
  const reachable = box.status === 'active' && box.online;
  const [timeline, doctor, logs, health, remote] = await Promise.all([
    d.timeline(boxId, from, to),
    doctorOf(d, boxId, reachable, operator, ticket),
    logsOf(d, boxId, reachable, from, to, operator, ticket),
    d.history.health(boxId, undefined, from, to, 100_000),
    d.remoteConfig(boxId),
  ]);
  const config = doctor.view?.report?.config ?? null;
  const files: Record<string, string> = {
    'README.txt': readme(boxId, from, to, now, operator, ticket, reachable),
    'box.json': json({ id: box.id, name: box.name, clubId: box.clubId, status: box.status, online: box.online, lastSeenAt: box.lastSeenAt, tags: box.tags, rightsVersion: box.rightsVersion }),
    'release.json': json({ running: box.agentVersion, hardware: box.hardware, previous: box.previousVersion, lastState: box.lastState }),
    'timeline.json': json(timeline),
    'timeline.txt': timeline.entries.map((e) => `${new Date(e.at).toISOString()}  ${e.kind.padEnd(7)} ${e.severity.padEnd(8)} ${e.title}`).join('\n') + '\n',
    'logs.txt': logs,
    'config.json': json(
      withoutSecrets({
        ...(config === null ? { note: 'the running configuration comes from a doctor report; none was available' } : { running: config }),
        reportedConfig: box.reportedConfig,
        desired: remote.desired,
        inSync: remote.inSync,
        diff: remote.diff,
      }),
    ),
    'health.csv': healthCsv(health),
    'devices.json': json({ devices: box.devices, latestHealth: box.latestHealth }),
    'doctor.json': json(doctor.view ?? { note: doctor.note }),
    'doctor.txt': doctorText(doctor.view, doctor.note),
  };
  const bytes = await pack(files);
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15);
  return { filename: `resabox-${boxId}-${ticket ?? 'no-ticket'}-${stamp}.tar.gz`.replace(/[^A-Za-z0-9._-]/g, '_'), bytes, sha256: createHash('sha256').update(bytes).digest('hex'), files: Object.keys(files) };
}

async function doctorOf(d: BundleDeps, boxId: string, reachable: boolean, operator: string, ticket: string | null): Promise<{ view: DoctorView | undefined; note: string }> {
  if (reachable) {
    try {
      return { view: await d.doctor.run(boxId, operator, ticket), note: 'run for this bundle' };
    } catch (e) {
      return { view: await d.doctor.latest(boxId), note: `the doctor could not run for this bundle: ${(e as Error).message}; the latest run is included` };
    }
  }
  const latest = await d.doctor.latest(boxId);
  return { view: latest, note: latest ? 'the box is offline: its latest doctor run is included' : 'the box is offline and was never diagnosed' };
}

async function logsOf(d: BundleDeps, boxId: string, reachable: boolean, from: number, to: number, operator: string, ticket: string | null): Promise<string> {
  if (reachable) {
    const cmd = await sendAndWait(d, boxId, { kind: 'fetch-logs', args: { lines: LOG_LINES } }, d.logsWaitMs ?? 15_000, operator, ticket);
    const lines = (cmd.result as { output?: { lines?: unknown } } | null)?.output?.lines;
    if (cmd.status === 'succeeded' && Array.isArray(lines)) return `# ${lines.length} recent log lines fetched from the box at ${new Date(cmd.updatedAt).toISOString()}\n${lines.join('\n')}\n`;
    return `# the box did not send its logs (${cmd.status})\n`;
  }
  // Offline: the logs support fetched during the window, if any.
  const fetched = (await d.queries.commandsBetween(boxId, from, to, 1000)).filter((c) => c.kind === 'fetch-logs' && c.status === 'succeeded');
  const last = fetched.at(-1);
  const lines = (last?.result as { output?: { lines?: unknown } } | null)?.output?.lines;
  if (last && Array.isArray(lines)) return `# the box is offline: logs fetched at ${new Date(last.updatedAt).toISOString()} (command ${last.id})\n${lines.join('\n')}\n`;
  return '# the box is offline and no logs were fetched in this window\n';
}

function readme(boxId: string, from: number, to: number, now: number, operator: string, ticket: string | null, reachable: boolean): string {
  return [
    `RESABOX escalation bundle: box ${boxId}`,
    `ticket: ${ticket ?? '(none)'}`,
    `window: ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`,
    `created: ${new Date(now).toISOString()} by ${operator}`,
    `box: ${reachable ? 'connected (doctor and logs asked now)' : 'offline (what the fleet last had)'}`,
    '',
    'box.json       identity, club, tags, rights version',
    'release.json   running and previous release, hardware model, last state message',
    'timeline.json  passes, events, device state changes, alerts, commands, updates, configuration (timeline.txt: one line each)',
    'logs.txt       the agent log lines',
    'config.json    the running configuration (secrets removed), the last configuration report, the desired one and their difference',
    'health.csv     health metrics over the window',
    'devices.json   device states and the latest health report',
    'doctor.json    the box doctor report with likely causes (doctor.txt: readable)',
    '',
  ].join('\n');
}

function doctorText(view: DoctorView | undefined, note: string): string {
  if (!view) return `${note}\n`;
  const lines = (view.report?.lines ?? []).map((l) => `${l.status.toUpperCase().padEnd(4)} ${`${l.kind}${l.subject ? ` ${l.subject}` : ''}`.padEnd(26)} ${`${l.durationMs} ms`.padStart(9)}  ${l.message}${l.code ? ` [${l.code}]` : ''}${l.advice ? `\n       cause: ${l.advice.cause}\n       next:  ${l.advice.nextStep}` : ''}`);
  return [`doctor ${view.commandId}, requested ${when({ at: view.requestedAt, local: null })} by ${view.operator}: ${view.status} (${note})`, view.problem ?? '', ...lines, ''].join('\n');
}

function healthCsv(rows: readonly { metric: string; at: number; value: number; samples: number; resolutionMs: number }[]): string {
  return ['metric,at,iso,value,samples,resolution_ms', ...rows.map((r) => `${r.metric},${r.at},${new Date(r.at).toISOString()},${r.value},${r.samples},${r.resolutionMs}`)].join('\n') + '\n';
}

const SECRET_KEY = /pass(word)?|secret|token|private/i;

/** Defence in depth: the box removes secrets; the fleet masks any field named like one, and URL passwords. */
export function withoutSecrets(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key !== '' && SECRET_KEY.test(key) && v !== null && typeof v !== 'object' ? '***' : typeof v === 'string' ? v.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@') : v))) as unknown;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

async function pack(files: Record<string, string>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'resabox-bundle-'));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    const chunks: Buffer[] = [];
    for await (const chunk of tar.c({ gzip: true, cwd: dir, portable: true }, Object.keys(files))) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
