import type { HealthMessage } from '../../protocol/mqtt/index.ts';
import type { AlertSeverity, Box, StoredDevice } from '../store/repositories.ts';

/** Everything the rules look at for one box, gathered from the store. */
export interface BoxSituation {
  readonly now: number;
  readonly box: Box;
  /** Last health report and when the fleet received it; null before the first. */
  readonly health: { readonly message: HealthMessage; readonly receivedAt: number } | null;
  readonly devices: readonly StoredDevice[];
  /** Latest printer condition per printer device, from printer.* events. */
  readonly printerConditions: ReadonlyMap<string, { kind: string; at: number }>;
  /** The club's current rights version and when it last changed, if the fleet holds rights. */
  readonly clubRights: { readonly version: number; readonly updatedAt: number } | null;
  /** The box's recent pass backlog reports (raw health samples), oldest first. */
  readonly backlogTrend: readonly number[];
  /** False just after the fleet's broker link came up, while boxes may still be reconnecting (broker/presence.ts). */
  readonly presenceSettled: boolean;
}

export interface AlertThresholds {
  boxOfflineAfterMs: number;
  deviceOfflineAfterMs: number;
  /** A box whose oldest unsent pass is older than this is not getting its passes out. */
  passBacklogMaxAgeMs: number;
  /** ... or whose backlog is at least this many passes. */
  passBacklogMaxCount: number;
  /** ... or whose backlog grew at each of this many consecutive reports (and is not tiny). */
  passBacklogGrowingReports: number;
  clockDriftMaxMs: number;
  diskFreeWarnPct: number;
  diskFreeCriticalPct: number;
  /** The box's rights are older than this (its own age report). */
  rightsStaleAfterMs: number;
  /** The fleet holds a newer version than the box for longer than this. */
  rightsLagMaxMs: number;
}

export const defaultThresholds: AlertThresholds = {
  boxOfflineAfterMs: 2 * 60_000,
  deviceOfflineAfterMs: 60_000,
  passBacklogMaxAgeMs: 10 * 60_000,
  passBacklogMaxCount: 1_000,
  passBacklogGrowingReports: 4,
  clockDriftMaxMs: 5_000,
  diskFreeWarnPct: 10,
  diskFreeCriticalPct: 5,
  rightsStaleAfterMs: 24 * 3_600_000,
  rightsLagMaxMs: 15 * 60_000,
};

/** A condition that holds now for one subject (a device, the box itself = ''). */
export interface Finding {
  readonly subject: string;
  readonly severity: AlertSeverity;
  readonly message: string;
  readonly detail: Record<string, unknown>;
}

/**
 * A rule returns the findings that hold now (all other open alerts of the rule for the
 * box resolve), or null when it cannot tell (e.g. health rules while the box is offline:
 * its last report is stale, so its alerts stay as they are).
 */
export type Rule = (s: BoxSituation, t: AlertThresholds) => Finding[] | null;

const box = (severity: AlertSeverity, message: string, detail: Record<string, unknown> = {}): Finding[] => [{ subject: '', severity, message, detail }];

/** Health-based rules judge only a box that is online and has reported. */
const fresh = (s: BoxSituation): HealthMessage | null => (s.box.online && s.health ? s.health.message : null);

export const RULES: Readonly<Record<string, Rule>> = {
  'box-offline': (s, t) => {
    if (s.box.online || s.box.status !== 'active') return [];
    if (!s.presenceSettled) return null;
    const since = s.box.onlineChangedAt ?? s.box.createdAt;
    return s.now - since >= t.boxOfflineAfterMs ? box('critical', 'box offline', { since }) : [];
  },
  'device-offline': (s, t) => {
    if (!fresh(s)) return null;
    return s.devices
      .filter((d) => d.status === 'offline' && s.now - d.statusSince >= t.deviceOfflineAfterMs)
      .map((d) => ({ subject: d.deviceId, severity: 'critical' as const, message: `${d.kind} ${d.deviceId} offline`, detail: { since: d.statusSince } }));
  },
  printer: (s) => {
    const out: Finding[] = [];
    for (const [deviceId, c] of s.printerConditions) {
      if (c.kind === 'printer.paper-near-end') out.push({ subject: deviceId, severity: 'warning', message: 'printer paper near end', detail: { condition: 'paper-near-end', at: c.at } });
      else if (c.kind === 'printer.paper-end') out.push({ subject: deviceId, severity: 'critical', message: 'printer out of paper', detail: { condition: 'paper-end', at: c.at } });
      else if (c.kind === 'printer.cover-open') out.push({ subject: deviceId, severity: 'critical', message: 'printer cover open', detail: { condition: 'cover-open', at: c.at } });
    }
    return out;
  },
  'pass-backlog': (s, t) => {
    const h = fresh(s);
    if (!h) return null;
    const { backlog, oldestUnsentTs } = h.journal;
    const age = oldestUnsentTs === null ? 0 : s.now - oldestUnsentTs;
    if (backlog >= t.passBacklogMaxCount || (backlog > 0 && age >= t.passBacklogMaxAgeMs)) return box('warning', `${backlog} passes not delivered`, { backlog, oldestUnsentTs });
    const recent = s.backlogTrend.slice(-t.passBacklogGrowingReports);
    const growing = recent.length === t.passBacklogGrowingReports && recent.every((v, i) => i === 0 || v > (recent[i - 1] as number));
    if (growing && backlog >= 50) return box('warning', `pass backlog growing (${recent.join(' -> ')})`, { backlog, trend: recent });
    return [];
  },
  'clock-drift': (s, t) => {
    const h = fresh(s);
    if (!h || !s.health) return null;
    // The box's own measurement if it has one, else its report time against our receive time.
    const offset = h.clockOffsetMs ?? h.ts - s.health.receivedAt;
    return Math.abs(offset) > t.clockDriftMaxMs ? box('warning', `box clock off by ${Math.round(offset / 1000)} s`, { offsetMs: offset }) : [];
  },
  'disk-full': (s, t) => {
    const h = fresh(s);
    if (!h) return null;
    if (h.disk.totalBytes <= 0) return [];
    const pct = (100 * h.disk.freeBytes) / h.disk.totalBytes;
    if (pct < t.diskFreeCriticalPct) return box('critical', `disk ${pct.toFixed(1)}% free`, { freePct: pct });
    if (pct < t.diskFreeWarnPct) return box('warning', `disk ${pct.toFixed(1)}% free`, { freePct: pct });
    return [];
  },
  'rights-stale': (s, t) => {
    const h = fresh(s);
    if (!h) return null;
    if (h.rights.ageS !== null && h.rights.ageS * 1000 > t.rightsStaleAfterMs) return box('warning', 'rights snapshot stale', { ageS: h.rights.ageS, version: h.rights.version });
    const have = s.box.rightsVersion ?? h.rights.version;
    if (s.clubRights && have < s.clubRights.version && s.now - s.clubRights.updatedAt > t.rightsLagMaxMs) {
      return box('warning', `rights version ${have} behind ${s.clubRights.version}`, { version: have, clubVersion: s.clubRights.version });
    }
    return [];
  },
};
