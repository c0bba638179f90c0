import { boundExplanation } from '../../protocol/access/explanation.ts';
import type { EventMessage, HealthMessage, Pass, RelayedPassage } from '../../protocol/mqtt/index.ts';
import type { BoxEvent, DeviceStatus, PassRecord } from '../store/repositories.ts';

/** Contract messages -> store records. Pure. */

export function passRecord(batchId: string, p: Pass): PassRecord {
  return {
    seq: p.seq,
    batchId,
    at: p.ts,
    lane: p.laneId,
    direction: p.direction,
    granted: p.reason === 'granted',
    reason: p.reason,
    outcome: p.outcome,
    memberId: p.memberId,
    credentialKind: p.credential.kind,
    rightsVersion: p.rightsVersion,
    data: {
      decidedAt: p.decidedAt,
      credentialHash: p.credential.hash,
      rightId: p.rightId,
      operator: p.operator,
      note: p.note,
      latencyUs: p.latencyUs,
      ...(p.explanation == null ? {} : { explanation: storedExplanation(p.explanation) }),
      ...(p.passage === undefined ? {} : { passage: p.passage }),
    },
  };
}

/** The passage a stored pass relays to the club's other boxes: only one a person went through (its `passage` part). */
export function relayedPassage(p: PassRecord): RelayedPassage | undefined {
  const passage = p.data.passage as Pass['passage'];
  if (passage === undefined || (p.direction !== 'in' && p.direction !== 'out')) return undefined;
  return { seq: p.seq, ts: p.at, zoneId: passage.zoneId, direction: p.direction, memberId: p.memberId, ticketId: passage.ticketId ?? null };
}

/** A box cuts its explanations to the contract bound; one that arrives larger is cut here, marked EXPLANATION_TOO_LARGE. */
function storedExplanation(explanation: NonNullable<Pass['explanation']>): unknown {
  return JSON.parse(boundExplanation(explanation, 'EXPLANATION_TOO_LARGE')) as unknown;
}

export function boxEvent(e: EventMessage): BoxEvent {
  return {
    eventId: e.eventId,
    at: e.ts,
    kind: e.kind,
    severity: e.severity,
    subject: e.deviceId ?? e.laneId ?? null,
    data: { message: e.message, deviceId: e.deviceId ?? null, laneId: e.laneId ?? null, ...(e.data ? { data: e.data } : {}) },
  };
}

export function deviceStatuses(h: HealthMessage): DeviceStatus[] {
  return h.devices.map((d) => ({
    deviceId: d.deviceId,
    kind: d.kind,
    status: d.state,
    detail: { ...(d.detail ?? {}), boxSince: d.since, ...(d.lastError ? { lastError: d.lastError } : {}) },
  }));
}

/** The numeric series kept (and downsampled) from each health report. */
export function healthMetrics(h: HealthMessage): Record<string, number> {
  const m: Record<string, number> = {
    'cpu.load1': h.cpu.load1,
    'memory.rss_bytes': h.memory.rssBytes,
    'memory.free_bytes': h.memory.freeBytes,
    'disk.free_bytes': h.disk.freeBytes,
    'journal.backlog': h.journal.backlog,
    uptime_s: h.uptimeS,
  };
  if (h.cpu.usagePct !== null) m['cpu.usage_pct'] = h.cpu.usagePct;
  if (h.disk.totalBytes > 0) m['disk.free_pct'] = (100 * h.disk.freeBytes) / h.disk.totalBytes;
  if (h.temperatureC !== null) m.temperature_c = h.temperatureC;
  if (h.clockOffsetMs !== null) m.clock_offset_ms = h.clockOffsetMs;
  if (h.rights.ageS !== null) m['rights.age_s'] = h.rights.ageS;
  return m;
}
