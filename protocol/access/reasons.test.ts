import { describe, expect, it } from 'vitest';
import { isReasonCode, REASON_CODES, REASON_LABELS_FR } from './reasons.ts';

describe('reason codes', () => {
  it('are unique kebab-case strings, each with a French label', () => {
    expect(new Set(REASON_CODES).size).toBe(REASON_CODES.length);
    for (const code of REASON_CODES) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(REASON_LABELS_FR[code].length).toBeGreaterThan(3);
    }
    expect(Object.keys(REASON_LABELS_FR).sort()).toEqual([...REASON_CODES].sort());
  });

  it('keep the labels the front desk knows', () => {
    expect(REASON_LABELS_FR['unknown-credential']).toBe('Badge inconnu');
    expect(REASON_LABELS_FR['zone-closed']).toBe('Zone fermée');
    expect(REASON_LABELS_FR['no-access-right']).toBe("Aucune autorisation d'accès");
    expect(REASON_LABELS_FR['blocking-alert']).toBe('Alerte bloquante');
    expect(REASON_LABELS_FR['qr-expired']).toBe('QR code expiré');
  });

  it('recognises codes', () => {
    expect(isReasonCode('granted')).toBe(true);
    expect(isReasonCode('Granted')).toBe(false);
    expect(isReasonCode(3)).toBe(false);
  });
});
