import { apiError } from '../api/errors.ts';
import type { FleetHistory } from '../store/fleet-history.ts';
import type { PassReports } from '../store/pass-reports.ts';
import type { SupportQueries } from '../store/support-queries.ts';
import { passInWords, refusingRule } from './explain-words.ts';

export const TIMELINE_KINDS = ['pass', 'event', 'device', 'alert', 'command', 'update', 'config', 'audit'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEntry {
  readonly at: number;
  readonly kind: TimelineKind;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly title: string;
  readonly detail: Record<string, unknown>;
}

export interface Timeline {
  readonly boxId: string;
  readonly from: number;
  readonly to: number;
  readonly entries: TimelineEntry[];
  /** Sources that had more rows than the per-source limit in the window (narrow the window). */
  readonly truncated: TimelineKind[];
}

export interface TimelineDeps {
  readonly passes: PassReports;
  readonly history: FleetHistory;
  readonly queries: SupportQueries;
  readonly boxExists: (boxId: string) => Promise<boolean>;
}

/** A window longer than this is refused: a bundle or a page that size would help no one. */
export const MAX_WINDOW_MS = 31 * 86_400_000;
const PER_SOURCE = 2000;

/** Event families that are device state changes on the timeline. */
const DEVICE_FAMILIES = new Set(['device', 'printer', 'turnstile', 'reader', 'lane']);

/**
 * The incident timeline of a box over [from, to): passes, events, device state changes,
 * alerts (opened and resolved), remote commands, updates, configuration reports and the
 * audited support actions, merged in time order.
 */
export async function boxTimeline(d: TimelineDeps, boxId: string, from: number, to: number): Promise<Timeline> {
  if (!(await d.boxExists(boxId))) throw apiError('BOX_NOT_FOUND');
  checkWindow(from, to);
  const truncated = new Set<TimelineKind>();
  const cap = <T>(kind: TimelineKind, rows: T[]): T[] => {
    if (rows.length > PER_SOURCE) truncated.add(kind);
    return rows.slice(0, PER_SOURCE);
  };
  const [passes, events, alerts, commands, audit, rollouts, config, presence] = await Promise.all([
    d.passes.query({ boxId, from, to }, PER_SOURCE + 1),
    d.history.events({ boxId, from, to, limit: PER_SOURCE + 1 }),
    d.queries.alertsBetween(boxId, from, to, PER_SOURCE + 1),
    d.queries.commandsBetween(boxId, from, to, PER_SOURCE + 1),
    d.queries.auditOfBox(boxId, from, to, PER_SOURCE + 1),
    d.queries.rolloutsOfBox(boxId, from, to),
    d.queries.configReportedBetween(boxId, from, to),
    d.queries.presenceChangeBetween(boxId, from, to),
  ]);
  const entries: TimelineEntry[] = [];
  for (const p of cap('pass', passes)) {
    const explanation = p.data.explanation ?? null;
    entries.push({
      at: p.at,
      kind: 'pass',
      severity: p.granted || p.outcome === 'manual' ? 'info' : 'warning',
      title: `lane ${p.lane} ${p.direction ?? ''}${p.memberId ? ` ${p.memberId}` : ''}: ${passInWords(p.reason, explanation, typeof p.data.note === 'string' ? p.data.note : null)}`,
      detail: { seq: p.seq, memberId: p.memberId, outcome: p.outcome, reason: p.reason, rule: refusingRule(explanation), rightsVersion: p.rightsVersion, explanation },
    });
  }
  for (const e of cap('event', events)) {
    const family = e.kind.split('.')[0] ?? '';
    const kind: TimelineKind = DEVICE_FAMILIES.has(family) ? 'device' : family === 'update' ? 'update' : 'event';
    const message = typeof e.data.message === 'string' ? e.data.message : '';
    entries.push({ at: e.at, kind, severity: severityOf(e.severity), title: `${e.kind}${e.subject ? ` ${e.subject}` : ''}: ${message}`, detail: { eventId: e.eventId, ...e.data } });
  }
  for (const a of cap('alert', alerts)) {
    if (a.openedAt >= from) entries.push({ at: a.openedAt, kind: 'alert', severity: a.severity, title: `alert opened: ${a.message}`, detail: { alertId: a.id, rule: a.rule, subject: a.subject } });
    if (a.resolvedAt !== null && a.resolvedAt < to) entries.push({ at: a.resolvedAt, kind: 'alert', severity: 'info', title: `alert resolved: ${a.message}`, detail: { alertId: a.id, rule: a.rule, subject: a.subject } });
  }
  for (const c of cap('command', commands)) {
    entries.push({ at: c.createdAt, kind: 'command', severity: c.status === 'succeeded' || c.status === 'pending' || c.status === 'sent' ? 'info' : 'warning', title: `${c.kind} by ${c.operator}${c.ticket ? ` [${c.ticket}]` : ''}: ${c.status}`, detail: { commandId: c.id, args: c.args, result: c.result } });
  }
  for (const r of rollouts) {
    entries.push({ at: r.at, kind: 'update', severity: r.state === 'failed' || r.state === 'rolled-back' ? 'warning' : 'info', title: `rollout ${r.rolloutId} to ${r.version}: ${r.state}${r.updateState ? ` (${r.updateState})` : ''}`, detail: { ...r } });
  }
  if (presence !== undefined) entries.push({ at: presence.at, kind: 'event', severity: presence.online ? 'info' : 'warning', title: presence.online ? 'box connected to the fleet' : 'box disconnected from the fleet (offline)', detail: { online: presence.online } });
  if (config !== undefined) entries.push({ at: config.at, kind: 'config', severity: config.report.status === 'rejected' ? 'warning' : 'info', title: `configuration reported: ${String(config.report.status ?? '')} version ${String(config.report.version ?? '')}`, detail: config.report });
  for (const a of cap('audit', audit)) {
    // Commands are on the timeline with their result already.
    if (a.action === 'command.send') continue;
    entries.push({ at: a.at, kind: a.action.startsWith('config') ? 'config' : 'audit', severity: 'info', title: `${a.action} by ${a.actor}${a.ticket ? ` [${a.ticket}]` : ''}`, detail: a.detail });
  }
  entries.sort((x, y) => x.at - y.at);
  return { boxId, from, to, entries, truncated: [...truncated] };
}

export function checkWindow(from: number, to: number): void {
  if (!(from < to) || to - from > MAX_WINDOW_MS) throw apiError('TIME_RANGE_INVALID', `from ${new Date(from).toISOString()} must be before to ${new Date(to).toISOString()}, at most 31 days apart`);
}

function severityOf(s: string): TimelineEntry['severity'] {
  return s === 'critical' || s === 'warning' ? s : 'info';
}
