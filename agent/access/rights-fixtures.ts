import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { rawPublicKey, signQrToken } from '../../protocol/access/qr-token.ts';
import type { Credential } from '../devices/reader.ts';
import type { AccessRight, IsoWeekday, Member, MemberCredential, OpeningPeriod, RightsData, RightsDeltaMessage, RightsSnapshotMessage, Zone } from './model.ts';
import type { LaneContext } from './types.ts';

/**
 * Shared test and benchmark data in the MQTT contract's shapes: a club with a gym
 * (Europe/Paris, every day 06:00-23:00), members with badges, PINs and QR keys, and a club
 * QR signing key.
 */
export const CLUB = 'club-lyon';
export const WEEK: readonly IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];
/** 1 January 2026 and 1 January 2027, 00:00 in Paris. */
export const Y2026 = Date.UTC(2025, 11, 31, 23);
export const Y2027 = Date.UTC(2026, 11, 31, 23);

export function everyDay(from: string, to: string): OpeningPeriod[] {
  return WEEK.map((weekday) => ({ weekday, from, to }));
}

export function gymZone(overrides: Partial<Zone> = {}): Zone {
  return {
    id: 'gym',
    name: 'Plateau musculation',
    timezone: 'Europe/Paris',
    capacity: null,
    periods: everyDay('06:00', '23:00'),
    exceptions: [],
    antiPassback: 'none',
    antiPassbackMinutes: null,
    minReentryMinutes: null,
    bookingWindow: null,
    ...overrides,
  };
}

export const member = (id: string, blockingAlerts: Member['blockingAlerts'] = []): Member => ({ id, displayName: `Membre ${id}`, subscriptionEnd: null, blockingAlerts });

export const credential = (id: string, memberId: string, kind: MemberCredential['kind'], value: string, extra: Partial<MemberCredential> = {}): MemberCredential => ({
  id, memberId, kind, value, validFrom: null, validTo: null, ...extra,
});

export const subscription = (id: string, memberId: string, zoneIds: string[], extra: Partial<AccessRight> = {}): AccessRight => ({
  id, memberId, kind: 'subscription', zoneIds, validFrom: Y2026, validTo: Y2027, visitsLeft: null, maxEntriesPerDay: null, ...extra,
});

export const pack = (id: string, memberId: string, zoneIds: string[], visitsLeft: number, extra: Partial<AccessRight> = {}): AccessRight => ({
  id, memberId, kind: 'pack', zoneIds, validFrom: Y2026, validTo: Y2027, visitsLeft, maxEntriesPerDay: null, ...extra,
});

export const emptyData = (): RightsData => ({ members: [], credentials: [], zones: [], rights: [], bookings: [], qrKeys: [] });

export function snapshotMessage(version: number, data: Partial<RightsData>, clubId = CLUB): RightsSnapshotMessage {
  return { v: 1, kind: 'snapshot', clubId, version, chunk: 0, chunks: 1, generatedAt: 0, data: { ...emptyData(), ...data } };
}

export function deltaMessage(
  baseVersion: number,
  version: number,
  upserts: Partial<RightsData>,
  deletes: Partial<RightsDeltaMessage['deletes']> = {},
  clubId = CLUB,
): RightsDeltaMessage {
  return {
    v: 1, kind: 'delta', clubId, version, baseVersion, generatedAt: 0,
    upserts: { ...emptyData(), ...upserts },
    deletes: { members: [], credentials: [], zones: [], rights: [], bookings: [], qrKeys: [], ...deletes },
  };
}

export interface ClubKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: string;
}

export function clubKey(keyId = 'k1'): ClubKey {
  const pair = generateKeyPairSync('ed25519');
  return { keyId, privateKey: pair.privateKey, publicKey: rawPublicKey(pair.publicKey) };
}

/** A signed token for a member's QR key (the `qr-key` credential value). */
export function qrFor(key: ClubKey, qrKey: string, expiresAt: number, nonce = 'nonce-0001'): Credential {
  return { kind: 'qr', payload: signQrToken({ memberId: qrKey, expiresAt, nonce }, key.keyId, key.privateKey) };
}

export const badge = (number: string): Credential => ({ kind: 'badge', number, raw: number, format: 'em4100' });
export const entryLane = (zoneId = 'gym'): LaneContext => ({ laneId: 'lane-1', zoneId, kind: 'entry', direction: 'in' });
export const exitLane = (zoneId = 'gym'): LaneContext => ({ laneId: 'lane-2', zoneId, kind: 'exit', direction: 'out' });

/**
 * A club of `count` members: member mN has badge 100000+N, PIN 10000000+N, QR key qN, and a
 * subscription (even N) or a 10-visit pack (odd N) for the gym.
 */
export function clubSnapshot(count: number, version = 1, key?: ClubKey): RightsSnapshotMessage {
  const data = emptyData();
  for (let n = 0; n < count; n++) {
    const memberId = `m${n}`;
    data.members.push(member(memberId));
    data.credentials.push(credential(`b${n}`, memberId, 'badge', String(100000 + n)));
    data.credentials.push(credential(`p${n}`, memberId, 'pin', String(10_000_000 + n)));
    data.credentials.push(credential(`q${n}`, memberId, 'qr-key', `q${n}`));
    data.rights.push(n % 2 === 0 ? subscription(`r${n}`, memberId, ['gym']) : pack(`r${n}`, memberId, ['gym'], 10));
  }
  data.zones.push(gymZone());
  if (key !== undefined) data.qrKeys.push({ keyId: key.keyId, publicKey: key.publicKey, validFrom: null, validTo: null });
  return snapshotMessage(version, data);
}
