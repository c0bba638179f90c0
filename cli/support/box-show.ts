import type { ApiBody } from './fleet-client.ts';
import { bytes, fields, span } from './readable.ts';
import { renderTable, text, when } from './table.ts';

/** What `resabox boxes show` gathers: the box, its open alerts and its recent commands. */
export interface BoxView {
  readonly box: ApiBody;
  readonly openAlerts: readonly ApiBody[];
  readonly recentCommands: readonly ApiBody[];
}

const section = (title: string, rows: readonly (readonly [string, string])[]) => [title, ...rows.map(([k, v]) => `  ${k.padEnd(18)} ${v}`)].join('\n');

function connection(b: ApiBody, now: number): [string, string][] {
  const h = b.latestHealth;
  const rows: [string, string][] = [
    ['online', b.online ? 'yes' : 'no'],
    ['last seen', b.lastSeenAt ? `${when(b.lastSeenAt)} (${span(now - b.lastSeenAt)} ago)` : 'never'],
  ];
  if (!h) return rows;
  rows.push(['health report', `${when(h.ts)}${b.online ? '' : ' (the last one before it went offline)'}`]);
  if (typeof h.uptimeS === 'number') rows.push(['agent uptime', span(h.uptimeS * 1000)]);
  if (h.journal) rows.push(['passes to deliver', `${h.journal.backlog}${h.journal.oldestUnsentTs ? `, oldest from ${when(h.journal.oldestUnsentTs)}` : ''} (last journaled #${h.journal.lastSeq})`]);
  if (h.rights) rows.push(['rights', `version ${h.rights.version}, received ${span(h.rights.ageS * 1000)} before the report`]);
  if (typeof h.clockOffsetMs === 'number') rows.push(['clock offset', `${h.clockOffsetMs} ms from the fleet`]);
  if (h.memory) rows.push(['agent memory', `${bytes(h.memory.rssBytes)} (machine: ${bytes(h.memory.freeBytes)} free of ${bytes(h.memory.totalBytes)})`]);
  if (h.disk) rows.push(['disk', `${bytes(h.disk.freeBytes)} free of ${bytes(h.disk.totalBytes)}`]);
  if (h.cpu) rows.push(['cpu', `load ${h.cpu.load1}, agent ${h.cpu.usagePct} %`]);
  return rows;
}

function devices(b: ApiBody): string {
  const list = (b.devices ?? []) as ApiBody[];
  if (list.length === 0) return 'Devices\n  (none reported)';
  const blocks = list.map((d) => {
    // What a box reported before it went offline is no longer known (issue 16, offline box).
    const status = b.online ? `${d.status} since ${when(d.statusSince)}` : `unknown (box offline; last reported ${d.status} at ${when(d.updatedAt)})`;
    return [`  ${d.deviceId} (${d.kind}): ${status}`, ...fields(d.detail, ['boxSince']).map((l) => `      ${l}`)].join('\n');
  });
  return `Devices\n${blocks.join('\n')}`;
}

/** The readable page of one box: identity, connection, release, devices, open alerts, recent commands. */
export function renderBox(v: BoxView, now: number): string {
  const b = v.box;
  const identity = section('Identity', [
    ['box', b.id],
    ['name', b.name ? b.name : '-'],
    ['club', text(b.clubId)],
    ['status', `${b.status}${b.revokedAt ? ` since ${when(b.revokedAt)}` : ''}`],
    ['tags', text(b.tags)],
    ['created', when(b.createdAt)],
  ]);
  const release = section('Release', [
    ['running', text(b.agentVersion)],
    ['hardware model', text(b.hardware)],
    ['rollback to', text(b.previousVersion)],
    ['rights version', text(b.rightsVersion)],
    ['reported config', b.reportedConfig ? `received ${when(b.reportedConfig.receivedAt)}` : '-'],
  ]);
  const alerts = renderTable(
    ['ID', 'SEVERITY', 'RULE', 'SUBJECT', 'OPENED', 'MESSAGE'],
    v.openAlerts.map((a) => [String(a.id), a.severity, a.rule, a.subject, when(a.openedAt), a.message]),
  );
  const commands = renderTable(
    ['COMMAND', 'KIND', 'STATUS', 'BY', 'SENT AT', 'RESULT'],
    v.recentCommands.map((c) => [c.id, c.kind, c.status, c.operator, when(c.createdAt), text(c.result?.error?.code ?? c.result?.message)]),
  );
  return [identity, section('Connection', connection(b, now)), release, devices(b), `Open alerts\n${indent(alerts)}`, `Recent commands (resabox commands show ID)\n${indent(commands)}`].join('\n\n');
}

const indent = (t: string) =>
  t
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
