import { describe, expect, it } from 'vitest';
import { foreignText } from '../../test/support/french-text.ts';
import { samplePass } from '../../test/support/pass-fixtures.ts';
import type { DeviceStatus } from '../devices/device.ts';
import { deviceNames, deviceProblem, laneNames, noteText, operatorName, passView } from './labels-fr.ts';

const specs = [
  { id: 'entry', kind: 'entry' as const, zone: 'club', turnstile: 'turnstile-entry', readers: [{ reader: 'reader-entry' }, { reader: 'scanner-entry' }] },
  { id: 'exit', kind: 'exit' as const, zone: 'club', turnstile: 'turnstile-exit', readers: [{ reader: 'reader-exit' }] },
  { id: 'pmr', kind: 'accessible' as const, zone: 'club', turnstile: 'turnstile-pmr', readers: [{ reader: 'reader-pmr' }] },
  { id: 'entry-2', kind: 'entry' as const, zone: 'pool', turnstile: 't4', readers: [{ reader: 'r4' }] },
  { id: 'spa', name: 'Entrée spa', kind: 'entry' as const, zone: 'spa', turnstile: 't5', readers: [{ reader: 'r5' }] },
];
const status = (s: Partial<DeviceStatus>): DeviceStatus => ({ deviceId: 'turnstile-entry', kind: 'turnstile', state: 'online', since: 0, ...s });
const T = Date.UTC(2026, 0, 5, 9, 0);

describe('the French check of the box pages (test/support/french-text.ts)', () => {
  it('catches what the desk used to show, and lets French through', () => {
    expect(foreignText('entry (club) online MODBUS_TIMEOUT : unit 1 did not answer; demo-support#tok_397781724d8b')).toEqual(expect.arrayContaining(['entry', 'online', 'MODBUS_TIMEOUT', 'tok_397781724d8b']));
    expect(foreignText('Box lyon-01 (passed)', ['lyon-01'])).toEqual(['passed', 'lyon-01']);
    expect(foreignText('Entrée · Club — En service, Tourniquet, 4 présents, pass invité', ['lyon-01'])).toEqual([]);
  });
});

describe('the desk in French', () => {
  it('names lanes by their configured name or kind, numbered when they share one', () => {
    expect([...laneNames(specs).values()]).toEqual(['Entrée 1', 'Sortie', 'Accès PMR', 'Entrée 2', 'Entrée spa']);
  });

  it('names devices by kind and lane', () => {
    const lanes = laneNames(specs.slice(0, 3));
    const names = deviceNames(
      [
        { id: 'turnstile-entry', kind: 'turnstile' },
        { id: 'reader-entry', kind: 'em4100' },
        { id: 'scanner-entry', kind: 'hid-wedge' },
        { id: 'printer', kind: 'printer' },
      ],
      specs.slice(0, 3),
      lanes,
    );
    expect([...names.values()]).toEqual(['Tourniquet · Entrée', 'Lecteur de badges · Entrée', 'Lecteur de QR codes · Entrée', 'Imprimante à tickets']);
  });

  it('explains a device problem in words with its code as a detail; a device in service shows none, even after an error', () => {
    const timeout = { code: 'MODBUS_TIMEOUT', message: 'unit 1 did not answer function 0x02', at: 1 };
    expect(deviceProblem(status({ state: 'online', lastError: timeout }))).toBeNull();
    expect(deviceProblem(status({ state: 'offline', lastError: timeout }))).toEqual({ text: expect.stringContaining('ne répond pas'), code: 'MODBUS_TIMEOUT' });
    expect(deviceProblem(status({ kind: 'printer', state: 'degraded', detail: { paper: 'near-end' } }))?.text).toBe('Rouleau presque vide : prévoyez un rouleau neuf.');
    expect(deviceProblem(status({ state: 'offline', lastError: { code: 'SOMETHING_NEW', message: 'x', at: 1 } }))?.text).toBe('Incident technique sur l’équipement.');
    for (const code of ['MODBUS_BAD_CRC', 'PRINTER_PAPER_END', 'PRINTER_COVER_OPEN', 'EM4100_BAD_CHECKSUM', 'OSDP_SC_BAD_MAC', 'OSDP_NO_REPLY', 'HID_ROLLOVER', 'TRANSPORT_LINK_LOST']) {
      const p = deviceProblem(status({ state: 'degraded', lastError: { code, message: 'English text', at: 1 } }));
      expect(foreignText(p?.text ?? '')).toEqual([]);
    }
  });

  it('shows operators without token ids and notes without command ids', () => {
    expect(operatorName('demo-support#tok_397781724d8b')).toBe('demo-support');
    expect(noteText('badge cassé [ticket SUP-4242] [remote cmd-0f3a] (passed)')).toEqual({ text: 'badge cassé (dossier SUP-4242) — passage confirmé', remote: true });
    expect(noteText('livraison (not passed)').text).toBe('livraison — personne n’est passé');
    expect(noteText('x (turnstile refused (OUT_OF_SERVICE): no outcome)').text).toBe('x — le tourniquet a refusé l’ouverture (OUT_OF_SERVICE)');
    expect(noteText('mode normal -> lockdown (front-desk)').text).toBe('Mode normal → verrouillage');
  });

  it('presents a pass with every field in words', () => {
    const lanes = laneNames(specs.slice(0, 3));
    const member = (id: string) => (id === 'lyon-m1' ? 'Camille LYON' : undefined);
    const rows = [
      passView({ seq: 1, ...samplePass({ ts: T, laneId: 'entry', memberId: 'lyon-m1' }) }, lanes, member),
      passView({ seq: 2, ...samplePass({ ts: T, laneId: 'exit', direction: 'out', memberId: 'lyon-m9' }) }, lanes, member),
      passView({ seq: 3, ...samplePass({ ts: T, laneId: 'entry', outcome: 'denied', reason: 'unknown-credential', memberId: null }) }, lanes, member),
      passView({ seq: 4, ...samplePass({ ts: T, laneId: 'entry', outcome: 'manual', reason: 'manual-open', memberId: 'lyon-m1', operator: 'demo-support#tok_397781724d8b', note: 'badge cassé [remote cmd-0f3a] (passed)' }) }, lanes, member),
      passView({ seq: 5, ...samplePass({ ts: T, laneId: 'entry', memberId: null, credential: { kind: 'ticket', hash: 'abcdef0123' } }) }, lanes, member),
      passView({ seq: 6, ...samplePass({ ts: T, laneId: 'gone', outcome: 'forced', reason: 'forced-passage', memberId: null }) }, lanes, member),
    ];
    expect(rows.map((r) => [r.lane, r.direction, r.outcome, r.reason, r.who, r.operator])).toEqual([
      ['Entrée', 'Entrée', 'Passé', '', 'Camille LYON', ''],
      ['Sortie', 'Sortie', 'Passé', '', 'Membre inconnu du boîtier', ''],
      ['Entrée', 'Entrée', 'Refusé', 'Badge inconnu', '', ''],
      ['Entrée', 'Entrée', 'Ouverture manuelle', '', 'Camille LYON', 'demo-support (à distance)'],
      ['Entrée', 'Entrée', 'Passé', '', 'Ticket', ''],
      ['Voie retirée', 'Entrée', 'Passage forcé', 'Passage forcé', '', ''],
    ]);
    for (const { tone: _class, ...shown } of rows) expect(foreignText(Object.values(shown).filter((v) => typeof v === 'string').join(' '))).toEqual([]);
  });
});
