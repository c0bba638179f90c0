import type { MessageOf } from './codec.ts';
import type { TopicKind } from './topics.ts';

/**
 * One valid example of every message of the contract. Used by the contract tests, by
 * other suites that need a well-formed message, and quoted in docs/mqtt-contract.md.
 */
const T0 = 1_767_600_000_000; // 2026-01-05T08:00:00Z

export const VALID_MESSAGES: { [K in TopicKind]: MessageOf<K> } = {
  state: { v: 1, state: 'online', reason: 'connected', agentVersion: '1.4.2', bootId: 'b-7f3a', ts: T0 },
  health: {
    v: 1,
    ts: T0,
    agentVersion: '1.4.2',
    uptimeS: 3600,
    cpu: { load1: 0.12, usagePct: 3.5 },
    memory: { rssBytes: 80_000_000, totalBytes: 2_000_000_000, freeBytes: 1_200_000_000 },
    disk: { totalBytes: 16_000_000_000, freeBytes: 9_000_000_000 },
    temperatureC: 48.5,
    clockOffsetMs: -12,
    rights: { version: 42, ageS: 30 },
    journal: { lastSeq: 1200, backlog: 0, oldestUnsentTs: null },
    devices: [
      { deviceId: 'reader-entry', kind: 'reader', state: 'online', since: T0 - 60_000, detail: { secureChannel: true, address: 1 } },
      { deviceId: 'printer', kind: 'printer', state: 'degraded', since: T0 - 5_000, lastError: { code: 'PRINTER_PAPER_NEAR_END', message: 'paper near end', at: T0 - 5_000 } },
    ],
    lanes: [{ laneId: 'entry-1', state: 'idle', occupancy: 37 }],
  },
  events: { v: 1, eventId: 'ev-0001', ts: T0, kind: 'printer.paper-near-end', severity: 'warning', deviceId: 'printer', message: 'Paper near end' },
  passes: {
    v: 1,
    batchId: 'batch-1201-1202',
    passes: [
      { seq: 1201, ts: T0 + 2_100, decidedAt: T0, laneId: 'entry-1', direction: 'in', outcome: 'passed', reason: 'granted', memberId: 'm-1', credential: { kind: 'badge', hash: '9f86d081884c7d65' }, rightsVersion: 42, rightId: 'r-1', operator: null, note: null, latencyUs: 850 },
      { seq: 1202, ts: T0 + 3_000, decidedAt: T0 + 3_000, laneId: 'entry-1', direction: 'in', outcome: 'denied', reason: 'unknown-credential', memberId: null, credential: { kind: 'badge', hash: '2c26b46b68ffc68f' }, rightsVersion: 42, rightId: null, operator: null, note: null, latencyUs: 610,
        explanation: { v: 1, rightsVersion: 42, at: { at: T0 + 3_000, local: '2026-01-05T09:00+01:00' }, tz: 'Europe/Paris', rules: [{ rule: 'credential', outcome: 'fail', facts: { kind: 'badge', credentialId: null, validFrom: null, validTo: null } }] } },
    ],
  },
  passAck: { v: 1, batchId: 'batch-1201-1202', firstSeq: 1201, lastSeq: 1202, stored: 2, duplicates: 0, ts: T0 + 3_100 },
  command: { v: 1, commandId: 'cmd-1', issuedAt: T0, expiresAt: T0 + 30_000, operator: 'alice@support', ticket: 'SUP-1234', kind: 'open-lane', args: { laneId: 'entry-1', direction: 'in', reason: 'member badge broken' } },
  commandResult: { v: 1, commandId: 'cmd-1', status: 'succeeded', ts: T0 + 800, message: 'lane opened, passage confirmed', error: null },
  rights: {
    v: 1,
    kind: 'delta',
    clubId: 'club-lyon',
    version: 43,
    baseVersion: 42,
    generatedAt: T0,
    upserts: {
      members: [{ id: 'm-2', displayName: 'Camille Martin', subscriptionEnd: T0 + 30 * 86_400_000, blockingAlerts: [] }],
      credentials: [{ id: 'c-2', memberId: 'm-2', kind: 'badge', value: '12345678', validFrom: null, validTo: null }],
      zones: [],
      rights: [{ id: 'r-2', memberId: 'm-2', kind: 'subscription', zoneIds: ['z-main'], validFrom: T0 - 86_400_000, validTo: T0 + 30 * 86_400_000, visitsLeft: null, maxEntriesPerDay: null }],
      bookings: [],
      qrKeys: [],
    },
    deletes: { members: [], credentials: ['c-old'], zones: [], rights: [], bookings: [], qrKeys: [] },
  },
  rightsRequest: { v: 1, haveVersion: 41, reason: 'gap', ts: T0 },
  rightsStatus: { v: 1, clubId: 'club-lyon', version: 43, appliedAt: T0 + 200, members: 5120 },
  updateJob: {
    v: 1,
    jobId: 'job-9',
    rolloutId: 'ro-3',
    action: 'install',
    version: '1.4.3',
    channel: 'stable',
    hardware: 'resabox-x86_64',
    repositoryUrl: 'https://fleet.example/tuf',
    targetName: 'resabox-agent-1.4.3.tar.gz',
    downloadOnly: false,
    installWindow: { notBefore: null, idleMinutes: 10 },
    issuedAt: T0,
    expiresAt: T0 + 7 * 86_400_000,
  },
  updateStatus: { v: 1, jobId: 'job-9', rolloutId: 'ro-3', state: 'downloading', fromVersion: '1.4.2', toVersion: '1.4.3', progress: 0.25, error: null, ts: T0 + 1000 },
  configDesired: { v: 1, version: 3, issuedAt: T0, config: { healthIntervalS: 15 } },
  configReported: { v: 1, version: 3, appliedAt: T0 + 500, status: 'applied', errors: [] },
  occupancyRelay: {
    v: 1,
    originBoxId: 'box-0002',
    passages: [
      { seq: 41, ts: T0, zoneId: 'club', direction: 'in', memberId: 'm-1', ticketId: null },
      { seq: 42, ts: T0 + 1000, zoneId: 'club', direction: 'in', memberId: null, ticketId: null },
    ],
  },
};
