import type { Direction, PassageOutcome } from '../devices/turnstile-port.ts';
import type { PassRecord } from '../journal/pass-record.ts';
import type { EmergencyChange } from './emergency.ts';
import type { LaneRecord, PassageOrigin, Presentation } from './lane-machine.ts';

/** When the credential was decided and how long the lane took (last reader byte -> open issued). */
export interface DecisionFacts {
  readonly decidedAt: number;
  readonly latencyUs: number;
}

const NO_CREDENTIAL: PassRecord['credential'] = { kind: 'none', hash: null };
const NOBODY = { memberId: null, rightsVersion: null, rightId: null, operator: null } as const;

/** The contract caps free text; a long operator reason must not make a row unpublishable. */
function cap(text: string | null, max: number): string | null {
  return text === null || text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function credentialOf(p: Presentation, ticket = false): PassRecord['credential'] {
  return { kind: ticket ? 'ticket' : p.credential.kind, hash: p.hash };
}

function describeOutcome(outcome: PassageOutcome): string {
  switch (outcome.kind) {
    case 'passed':
      return 'passed';
    case 'not-passed':
      return 'not passed';
    case 'refused':
      return `turnstile refused (${outcome.code}): ${outcome.message}`;
  }
}

function passageFields(origin: PassageOrigin, outcome: PassageOutcome): Pick<PassRecord, 'outcome' | 'reason' | 'memberId' | 'credential' | 'rightsVersion' | 'rightId' | 'operator' | 'note' | 'explanation'> {
  switch (origin.kind) {
    case 'credential': {
      const d = origin.decision;
      return {
        outcome: outcome.kind === 'passed' ? 'passed' : 'not-passed',
        reason: d.reason,
        memberId: d.memberId ?? null,
        credential: credentialOf(origin.presentation, d.ticket !== undefined),
        rightsVersion: d.rightsVersion,
        rightId: d.rightId ?? null,
        operator: null,
        note: outcome.kind === 'refused' ? describeOutcome(outcome) : null,
        ...(d.explanation === undefined ? {} : { explanation: d.explanation }),
      };
    }
    case 'emergency':
      return { outcome: 'emergency', reason: 'emergency', ...NOBODY, credential: credentialOf(origin.presentation), note: `fire alarm: ${describeOutcome(outcome)}` };
    case 'manual':
      return {
        outcome: 'manual',
        reason: 'manual-open',
        ...NOBODY,
        memberId: origin.request.memberId ?? null,
        credential: NO_CREDENTIAL,
        operator: cap(origin.request.operator, 120),
        note: cap(`${origin.request.reason} (${describeOutcome(outcome)})`, 500),
      };
  }
}

/**
 * One contract Pass (without seq) per lane outcome. `now` is the wall clock at the outcome;
 * `facts` are those of the decision that started it (absent for manual opens and forced passages).
 */
export function toPassRecord(record: LaneRecord, laneId: string, now: number, facts: DecisionFacts | undefined): PassRecord {
  switch (record.kind) {
    case 'denied': {
      const v = record.verdict;
      const decision = v.kind === 'denied' ? v.decision : undefined;
      return {
        ts: now,
        decidedAt: facts?.decidedAt ?? now,
        laneId,
        direction: record.presentation.direction,
        outcome: 'denied',
        reason: decision ? decision.reason : v.kind === 'locked' ? 'lockdown' : 'decision-fault',
        memberId: decision?.memberId ?? null,
        credential: credentialOf(record.presentation, decision?.ticket !== undefined),
        rightsVersion: decision?.rightsVersion ?? null,
        rightId: null,
        operator: null,
        note: v.kind === 'locked' ? 'lock-down: every open refused' : v.kind === 'fault' ? cap(v.message, 500) : null,
        latencyUs: facts?.latencyUs ?? null,
        ...(decision?.explanation === undefined ? {} : { explanation: decision.explanation }),
      };
    }
    case 'passage': {
      const ts = record.outcome.kind === 'passed' ? Math.round(record.outcome.at) : now;
      const manual = record.origin.kind === 'manual';
      return {
        ts,
        decidedAt: record.origin.kind === 'manual' ? record.origin.request.requestedAt : (facts?.decidedAt ?? ts),
        laneId,
        direction: record.direction,
        ...passageFields(record.origin, record.outcome),
        latencyUs: manual ? null : (facts?.latencyUs ?? null),
      };
    }
    case 'forced':
      return { ts: record.at, decidedAt: record.at, laneId, direction: record.direction, outcome: 'forced', reason: 'forced-passage', ...NOBODY, credential: NO_CREDENTIAL, note: null, latencyUs: null };
  }
}

/** An emergency mode switch, journaled once per lane (a pass row always names its lane). */
export function emergencySwitchRecord(change: EmergencyChange, laneId: string, direction: Direction, now: number): PassRecord {
  return {
    ts: now,
    decidedAt: now,
    laneId,
    direction,
    outcome: 'emergency',
    reason: 'emergency',
    ...NOBODY,
    credential: NO_CREDENTIAL,
    operator: cap(change.operator, 120),
    note: `mode ${change.previous} -> ${change.mode} (${change.source})`,
    latencyUs: null,
  };
}
