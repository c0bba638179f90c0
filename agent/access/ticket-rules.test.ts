import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rawPublicKey, signQrToken } from '../../protocol/access/qr-token.ts';
import { signTicketToken, type TicketClaims } from '../../protocol/access/ticket-token.ts';
import type { Credential } from '../devices/reader.ts';
import { decide } from './decide.ts';
import { credential, entryLane, exitLane, gymZone, member, subscription } from './rights-fixtures.ts';
import type { DecisionState } from './types.ts';
import { rightsViewOf } from './view.ts';

const NOW = Date.UTC(2026, 5, 10, 8, 0); // 10:00 in Paris, the gym is open
const HOUR = 3600_000;
const box = generateKeyPairSync('ed25519');
const otherBox = generateKeyPairSync('ed25519');
const clubMemberKey = generateKeyPairSync('ed25519');

const rights = rightsViewOf(3, {
  members: [member('m1')],
  credentials: [credential('q1', 'm1', 'qr-key', 'qk-m1')],
  zones: [gymZone(), gymZone({ id: 'pool', name: 'Piscine' }), gymZone({ id: 'full', name: 'Complet', capacity: 1 }), gymZone({ id: 'shut', name: 'Fermé', periods: [] })],
  rights: [subscription('r1', 'm1', ['gym'])],
  bookings: [],
  qrKeys: [
    { keyId: 'tbox1', publicKey: rawPublicKey(box.publicKey), validFrom: null, validTo: null, use: 'ticket', issuer: 'lyon-01' },
    { keyId: 'tretired', publicKey: rawPublicKey(otherBox.publicKey), validFrom: null, validTo: NOW - 1, use: 'ticket', issuer: 'lyon-02' },
    { keyId: 'member1', publicKey: rawPublicKey(clubMemberKey.publicKey), validFrom: null, validTo: null },
  ],
});
const state = (extra: Partial<DecisionState> = {}): DecisionState => ({ rights, occupancy: new Map(), lastPass: new Map(), recentEntries: new Map(), usedQrNonces: new Set(), ...extra });
const CLAIMS: TicketClaims = { kind: 'day', zoneIds: ['gym', 'full', 'shut'], validFrom: NOW - HOUR, validTo: NOW + 10 * HOUR, nonce: 'ticket-0001' };
const ticket = (claims: Partial<TicketClaims> = {}, keyId = 'tbox1', key = box.privateKey): Credential => ({ kind: 'qr', payload: signTicketToken({ ...CLAIMS, ...claims }, keyId, key) });
const reasonOf = (c: Credential, lane = entryLane(), s = state()) => decide(c, lane, NOW, s).reason;

describe('printed tickets at a lane', () => {
  it('admits a valid ticket once: the decision carries its id to record as used', () => {
    const d = decide(ticket(), entryLane(), NOW, state());
    expect(d).toMatchObject({ granted: true, reason: 'granted', ticket: { id: 'ticket-0001', kind: 'day' }, qrNonce: 'ticket-0001', rightsVersion: 3 });
    expect(d.memberId).toBeUndefined();
    expect(reasonOf(ticket(), entryLane(), state({ usedQrNonces: new Set(['ticket-0001']) }))).toBe('qr-replayed');
  });

  it('explains a refused ticket: its window, its zones, whether it was used', () => {
    const used = decide(ticket(), entryLane(), NOW, state({ usedQrNonces: new Set(['ticket-0001']) })).explanation;
    expect(used?.rules.map((r) => `${r.rule}:${r.outcome}`)).toEqual(['credential:pass', 'rights-fresh:pass', 'ticket:fail']);
    expect(used?.rules[2]).toEqual({ rule: 'ticket', outcome: 'fail', facts: { id: 'ticket-0001', kind: 'day', zoneIds: ['gym', 'full', 'shut'], used: true, coversZone: true } });
    expect(used?.rules[0]).toMatchObject({ facts: { validTo: { at: NOW + 10 * HOUR, local: '2026-06-10T20:00+02:00' }, qr: { keyId: 'tbox1', problem: null } } });
    const early = decide(ticket({ validFrom: NOW + HOUR, validTo: NOW + 2 * HOUR }), entryLane(), NOW, state()).explanation;
    expect(early?.rules).toEqual([expect.objectContaining({ rule: 'credential', outcome: 'fail', facts: expect.objectContaining({ qr: { keyId: 'tbox1', expiresAt: null, problem: 'QR_NOT_YET_VALID' } }) })]);
    expect(decide(ticket(), entryLane('shut'), NOW, state()).explanation?.rules.at(-1)).toMatchObject({ rule: 'zone-open', outcome: 'fail', facts: { today: [], nextOpening: null } });
  });

  it('refuses it outside its validity, zones, the zone opening and capacity', () => {
    expect(reasonOf(ticket({ validFrom: NOW - 10 * HOUR, validTo: NOW }))).toBe('qr-expired');
    expect(reasonOf(ticket({ validFrom: NOW + HOUR, validTo: NOW + 2 * HOUR }))).toBe('outside-validity');
    expect(reasonOf(ticket(), entryLane('pool'))).toBe('no-access-right');
    expect(reasonOf(ticket(), entryLane('shut'))).toBe('zone-closed');
    expect(reasonOf(ticket(), entryLane('full'), state({ occupancy: new Map([['full', 1]]) }))).toBe('capacity-reached');
    expect(reasonOf(ticket(), entryLane(), state({ rightsExpired: 'deny-all' }))).toBe('rights-expired');
  });

  it('trusts ticket keys only: not a member key, not a retired key, not an unknown one, except the box its own', () => {
    expect(reasonOf(ticket({}, 'member1', clubMemberKey.privateKey))).toBe('qr-invalid');
    expect(reasonOf(ticket({}, 'tretired', otherBox.privateKey))).toBe('qr-invalid');
    const own = generateKeyPairSync('ed25519');
    expect(reasonOf(ticket({}, 'town', own.privateKey))).toBe('qr-invalid');
    expect(reasonOf(ticket({}, 'town', own.privateKey), entryLane(), state({ ownTicketKeys: new Map([['town', own.publicKey]]) }))).toBe('granted');
  });

  it('a ticket key never signs a member token', () => {
    const forged: Credential = { kind: 'qr', payload: signQrToken({ memberId: 'qk-m1', expiresAt: NOW + HOUR, nonce: 'forged-001' }, 'tbox1', box.privateKey) };
    expect(reasonOf(forged)).toBe('qr-invalid');
    const genuine: Credential = { kind: 'qr', payload: signQrToken({ memberId: 'qk-m1', expiresAt: NOW + HOUR, nonce: 'genuine-01' }, 'member1', clubMemberKey.privateKey) };
    expect(reasonOf(genuine)).toBe('granted');
  });

  it('lets a ticket holder out without using the ticket', () => {
    const d = decide(ticket(), exitLane(), NOW, state());
    expect(d).toMatchObject({ granted: true, ticket: { id: 'ticket-0001' } });
    expect(d.qrNonce).toBeUndefined();
  });
});

describe('validity windows of the contract', () => {
  const withAlert = (from: number | null | undefined, until: number | null | undefined) =>
    rightsViewOf(1, {
      members: [member('m1', [{ id: 'a1', message: 'Certificat médical', ...(from === undefined ? {} : { from }), ...(until === undefined ? {} : { until }) }])],
      credentials: [credential('b1', 'm1', 'badge', '1001')],
      zones: [gymZone()],
      rights: [subscription('r1', 'm1', ['gym'])],
      bookings: [],
      qrKeys: [],
    });
  const badge: Credential = { kind: 'badge', number: '1001', raw: '1001', format: 'em4100' };
  const withRights = (view: ReturnType<typeof withAlert>) => decide(badge, entryLane(), NOW, { ...state(), rights: view }).reason;

  it('a blocking alert refuses only while in force: from included, until excluded, open ends', () => {
    expect(withRights(withAlert(undefined, undefined))).toBe('blocking-alert');
    expect(withRights(withAlert(null, null))).toBe('blocking-alert');
    expect(withRights(withAlert(NOW, null))).toBe('blocking-alert');
    expect(withRights(withAlert(NOW + 1, null))).toBe('granted');
    expect(withRights(withAlert(null, NOW + 1))).toBe('blocking-alert');
    expect(withRights(withAlert(null, NOW))).toBe('granted');
  });

  it('a right is valid from validFrom included to validTo excluded', () => {
    const at = (validFrom: number, validTo: number) =>
      decide(badge, entryLane(), NOW, {
        ...state(),
        rights: rightsViewOf(1, { members: [member('m1')], credentials: [credential('b1', 'm1', 'badge', '1001')], zones: [gymZone()], rights: [subscription('r1', 'm1', ['gym'], { validFrom, validTo })], bookings: [], qrKeys: [] }),
      }).reason;
    expect(at(NOW, NOW + 1)).toBe('granted');
    expect(at(NOW - HOUR, NOW)).toBe('outside-validity');
  });
});
