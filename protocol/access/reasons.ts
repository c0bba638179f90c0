/**
 * The reason-code catalog of access decisions (pure data, shared by agent, fleet and the
 * MQTT contract). A code is stable: it is journalled with every pass and reported to the
 * fleet, so never rename one; add new codes at the end.
 *
 * decide() returns `granted` to `capacity-reached` and `rights-expired`. The others are
 * journal outcomes that no rule decided: staff pressed "open", the fire input released the
 * lane, the turnstile saw a passage with no granted credential, a credential refused during
 * a lock-down, a credential refused because decide() itself failed.
 */
export const REASON_CODES = [
  'granted',
  'unknown-credential',
  'zone-closed',
  'no-access-right',
  'blocking-alert',
  'qr-expired',
  'qr-replayed',
  'qr-invalid',
  'outside-validity',
  'anti-passback',
  'min-reentry-interval',
  'quota-exhausted',
  'booking-window',
  'capacity-reached',
  'manual-open',
  'emergency',
  'forced-passage',
  'rights-expired',
  'lockdown',
  'decision-fault',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

/** Codes the lane records without a decision of decide(). */
export const LANE_REASON_CODES = ['manual-open', 'emergency', 'forced-passage', 'lockdown', 'decision-fault'] as const satisfies readonly ReasonCode[];

/** The codes decide() can return (the rest are recorded by the lane, never decided). */
export type DecisionReasonCode = Exclude<ReasonCode, (typeof LANE_REASON_CODES)[number]>;

/** Short French labels, shown on reader displays, the totem and the front-desk journal. */
export const REASON_LABELS_FR: Readonly<Record<ReasonCode, string>> = {
  granted: 'Accès autorisé',
  'unknown-credential': 'Badge inconnu',
  'zone-closed': 'Zone fermée',
  'no-access-right': "Aucune autorisation d'accès",
  'blocking-alert': 'Alerte bloquante',
  'qr-expired': 'QR code expiré',
  'qr-replayed': 'QR code déjà utilisé',
  'qr-invalid': 'QR code invalide',
  'outside-validity': 'Abonnement hors période de validité',
  'anti-passback': 'Anti-retour : sortie non enregistrée',
  'min-reentry-interval': 'Délai minimum avant nouvelle entrée',
  'quota-exhausted': "Quota d'entrées atteint",
  'booking-window': 'Aucune réservation pour ce créneau',
  'capacity-reached': 'Capacité maximale atteinte',
  'manual-open': 'Ouverture manuelle',
  emergency: "Ouverture d'urgence",
  'forced-passage': 'Passage forcé',
  'rights-expired': 'Droits non synchronisés : accès refusé',
  lockdown: 'Verrouillage : accès suspendu',
  'decision-fault': 'Erreur de contrôle : accès refusé',
};

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === 'string' && (REASON_CODES as readonly string[]).includes(value);
}
