import type { PassRecord } from '../journal/pass-record.ts';
import type { EmergencyChange } from './emergency.ts';
import type { LaneRecord, PassageOrigin } from './lane-machine.ts';

/** The facts of a lane that every journal row repeats. */
export interface LaneIdentity {
  readonly id: string;
  readonly zone: string;
}

function refusalNote(outcome: LaneRecord & { kind: 'passage' }): string | null {
  return outcome.outcome.kind === 'refused' ? `turnstile refused (${outcome.outcome.code}): ${outcome.outcome.message}` : null;
}

function originFields(origin: PassageOrigin): Pick<PassRecord, 'credentialHash' | 'memberId' | 'rightsVersion' | 'operator'> {
  switch (origin.kind) {
    case 'credential':
      return {
        credentialHash: origin.presentation.hash,
        memberId: origin.decision.memberId ?? null,
        rightsVersion: String(origin.decision.rightsVersion),
        operator: null,
      };
    case 'emergency':
      return { credentialHash: origin.presentation.hash, memberId: null, rightsVersion: null, operator: null };
    case 'manual':
      return { credentialHash: null, memberId: null, rightsVersion: null, operator: origin.request.operator };
  }
}

/** One journal row per lane outcome; `now` is the wall clock at the outcome. */
export function toPassRecord(record: LaneRecord, lane: LaneIdentity, now: number): PassRecord {
  const base = { laneId: lane.id, zone: lane.zone };
  switch (record.kind) {
    case 'denied': {
      const v = record.verdict;
      return {
        ...base,
        kind: 'denied',
        at: now,
        direction: record.presentation.direction,
        passed: false,
        reason: v.kind === 'denied' ? v.decision.reason : v.kind === 'locked' ? 'emergency' : 'decision-fault',
        credentialHash: record.presentation.hash,
        memberId: v.kind === 'denied' ? (v.decision.memberId ?? null) : null,
        rightsVersion: v.kind === 'denied' ? String(v.decision.rightsVersion) : null,
        operator: null,
        note: v.kind === 'locked' ? 'lock-down: every open refused' : v.kind === 'fault' ? v.message : null,
      };
    }
    case 'passage': {
      const passed = record.outcome.kind === 'passed';
      const origin = record.origin;
      const kind = origin.kind === 'manual' ? 'manual' : origin.kind === 'emergency' ? 'emergency' : passed ? 'passed' : 'not-passed';
      const reason = origin.kind === 'manual' ? 'manual-open' : origin.kind === 'emergency' ? 'emergency' : origin.decision.reason;
      const note = origin.kind === 'manual' ? [origin.request.reason, refusalNote(record)].filter(Boolean).join('; ') : refusalNote(record);
      return {
        ...base,
        kind,
        at: record.outcome.kind === 'passed' ? record.outcome.at : now,
        direction: record.direction,
        passed,
        reason,
        ...originFields(origin),
        note,
      };
    }
    case 'forced':
      return {
        ...base,
        kind: 'forced',
        at: record.at,
        direction: record.direction,
        passed: true,
        reason: 'forced-passage',
        credentialHash: null,
        memberId: null,
        rightsVersion: null,
        operator: null,
        note: null,
      };
  }
}

/** A box-wide row for an emergency mode switch (fire alarm or lock-down on/off). */
export function emergencyRecord(change: EmergencyChange, now: number): PassRecord {
  return {
    kind: 'emergency',
    at: now,
    laneId: null,
    direction: null,
    zone: null,
    passed: false,
    reason: 'emergency',
    credentialHash: null,
    memberId: null,
    rightsVersion: null,
    operator: change.operator,
    note: `mode ${change.previous} -> ${change.mode} (${change.source})`,
  };
}
