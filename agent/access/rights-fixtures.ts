import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { rawPublicKey, signQrToken } from '../../protocol/access/qr-token.ts';
import type { Credential } from '../devices/reader.ts';
import type { IsoWeekday, OpeningPeriod, RightsSnapshot, Zone } from './model.ts';
import type { LaneContext } from './types.ts';

/**
 * Shared test and benchmark data: a club with a gym (Europe/Paris, every day 06:00-23:00),
 * members with badges, PINs and static QR codes, and a club QR signing key.
 */
export const WEEK: readonly IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];

export function everyDay(from: string, to: string): OpeningPeriod[] {
  return WEEK.map((weekday) => ({ weekday, from, to }));
}

export function gymZone(overrides: Partial<Zone> = {}): Zone {
  return { id: 'gym', name: 'Plateau musculation', timezone: 'Europe/Paris', periods: everyDay('06:00', '23:00'), exceptions: [], ...overrides };
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

export function qrFor(key: ClubKey, memberId: string, expiresAt: number, nonce = 'nonce-0001'): Credential {
  return { kind: 'qr', payload: signQrToken({ memberId, expiresAt, nonce }, key.keyId, key.privateKey) };
}

export const badge = (number: string): Credential => ({ kind: 'badge', number, raw: number, format: 'em4100' });
export const entryLane = (zoneId = 'gym'): LaneContext => ({ laneId: 'lane-1', zoneId, kind: 'entry', direction: 'in' });
export const exitLane = (zoneId = 'gym'): LaneContext => ({ laneId: 'lane-2', zoneId, kind: 'exit', direction: 'out' });

/** A club of `count` members: member mN has badge 100000+N, PIN, a subscription (even N) or a 10-visit pack (odd N). */
export function clubSnapshot(count: number, version = 1, key?: ClubKey): RightsSnapshot {
  const members = [];
  const credentials = [];
  const rights = [];
  for (let n = 0; n < count; n++) {
    const memberId = `m${n}`;
    members.push({ id: memberId, displayName: `Membre ${n}` });
    credentials.push({ id: `b${n}`, memberId, kind: 'badge' as const, value: String(100000 + n) });
    credentials.push({ id: `p${n}`, memberId, kind: 'pin' as const, value: String(10_000_000 + n) });
    rights.push(
      n % 2 === 0
        ? { id: `r${n}`, memberId, kind: 'subscription' as const, zoneIds: ['gym'], validFrom: '2026-01-01', validTo: '2026-12-31' }
        : { id: `r${n}`, memberId, kind: 'pack' as const, zoneIds: ['gym'], validFrom: '2026-01-01', validTo: '2027-06-30', visitsLeft: 10, visitsCountedUntil: 0 },
    );
  }
  return {
    version,
    members,
    credentials,
    zones: [gymZone()],
    rights,
    alerts: [],
    bookings: [],
    qrKeys: key === undefined ? [] : [{ keyId: key.keyId, publicKey: key.publicKey }],
  };
}
