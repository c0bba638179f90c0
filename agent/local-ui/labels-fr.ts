import { REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
import type { DeviceState, DeviceStatus } from '../devices/device.ts';
import type { Pass } from '../journal/pass-record.ts';

/**
 * What the front desk reads, in French: lanes and devices by names a person knows, states
 * and errors in plain words with the technical code kept as a detail, operators without
 * token ids, notes without command ids. Pure: the pages receive text ready to show.
 */

export interface LaneSpecLike {
  readonly id: string;
  readonly name?: string;
  readonly kind: 'entry' | 'exit' | 'accessible';
  readonly zone: string;
  readonly turnstile: string;
  readonly readers: readonly { readonly reader: string }[];
}

const LANE_KIND: Record<LaneSpecLike['kind'], string> = { entry: 'Entrée', exit: 'Sortie', accessible: 'Accès PMR' };

/** Lane display names: the configured name, else the kind ("Entrée"), numbered when several share it. */
export function laneNames(specs: readonly LaneSpecLike[]): Map<string, string> {
  const base = specs.map((l) => l.name ?? LANE_KIND[l.kind]);
  const seen = new Map<string, number>();
  return new Map(
    specs.map((l, i) => {
      const name = base[i] as string;
      const n = (seen.get(name) ?? 0) + 1;
      seen.set(name, n);
      const shared = base.filter((b) => b === name).length > 1;
      return [l.id, shared ? `${name} ${n}` : name];
    }),
  );
}

/** Configuration kinds of the devices (em4100, osdp, hid-wedge, turnstile, printer). */
const DEVICE_KIND: Record<string, string> = { em4100: 'Lecteur de badges', osdp: 'Lecteur de badges', 'hid-wedge': 'Lecteur de QR codes', turnstile: 'Tourniquet', printer: 'Imprimante à tickets' };

/** "Tourniquet · Entrée": the device's kind and the lane it serves. */
export function deviceNames(devices: readonly { readonly id: string; readonly kind: string }[], specs: readonly LaneSpecLike[], lanes: ReadonlyMap<string, string>): Map<string, string> {
  const laneOf = new Map<string, string>();
  for (const l of specs) {
    laneOf.set(l.turnstile, lanes.get(l.id) ?? '');
    for (const r of l.readers) laneOf.set(r.reader, lanes.get(l.id) ?? '');
  }
  return new Map(devices.map((d) => [d.id, [DEVICE_KIND[d.kind] ?? 'Équipement', laneOf.get(d.id)].filter(Boolean).join(' · ')]));
}

export const DEVICE_STATES: Record<DeviceState, string> = { starting: 'Démarrage', online: 'En service', degraded: 'Dégradé', offline: 'Hors service' };

/** Plain-French explanations of device error codes, by exact code then by prefix. */
const EXPLAIN: readonly [RegExp, string][] = [
  [/^MODBUS_TIMEOUT$/, 'Le module du tourniquet ne répond pas : vérifiez son alimentation et le câble RS-485.'],
  [/^MODBUS_(BAD_CRC|BAD_LENGTH|BAD_REPLY)$/, 'Réponses illisibles du module du tourniquet : parasites sur le câble ou vitesse mal réglée.'],
  [/^MODBUS_EXCEPTION$/, 'Le module du tourniquet refuse une commande : adresse ou réglage du module à vérifier.'],
  [/^(MODBUS|TRANSPORT)_(LINK_DOWN|LINK_LOST|OPEN_FAILED|UNAVAILABLE|WRITE_FAILED|CLOSED|NOT_OPEN)$/, 'La liaison avec l’équipement est coupée : câble ou adaptateur USB débranché.'],
  [/^TURNSTILE_RELAY_WATCHDOG$/, 'Le relais du tourniquet est resté ouvert trop longtemps : il a été refermé par sécurité.'],
  [/^TURNSTILE_/, 'Réglage du tourniquet à vérifier.'],
  [/^PRINTER_PAPER_END$/, 'Plus de papier : changez le rouleau.'],
  [/^PRINTER_COVER_OPEN$/, 'Le capot de l’imprimante est ouvert : refermez-le.'],
  [/^PRINTER_(NO_REPLY|LINK_DOWN)$/, 'L’imprimante ne répond pas : est-elle allumée et branchée ?'],
  [/^PRINTER_HARDWARE_ERROR$/, 'L’imprimante signale une panne : éteignez-la puis rallumez-la.'],
  [/^PRINTER_/, 'Un ticket n’a pas pu être imprimé.'],
  [/^EM4100_/, 'Lecture de badge illisible : badge mal présenté ou parasites sur le câble.'],
  [/^OSDP_TAMPER$/, 'Le lecteur signale l’ouverture de son boîtier.'],
  [/^OSDP_SC_/, 'La liaison chiffrée avec le lecteur a échoué : clé du lecteur à vérifier.'],
  [/^OSDP_(NO_REPLY|READER_OFFLINE|READER_NOT_READY|STOPPED)$/, 'Le lecteur ne répond pas : vérifiez son alimentation et le câble.'],
  [/^OSDP_/, 'Échanges illisibles avec le lecteur : parasites ou réglage à vérifier.'],
  [/^HID_/, 'Lecture illisible du lecteur USB : présentez à nouveau le code.'],
];

/**
 * What is wrong with a device now, in plain French with its code; null when nothing is: a
 * device in service never shows an error, even one it had earlier.
 */
export function deviceProblem(s: DeviceStatus): { readonly text: string; readonly code: string | null } | null {
  if (s.state === 'online') return null;
  if (s.detail?.['paper'] === 'near-end' && s.state === 'degraded' && s.lastError?.code !== 'PRINTER_PAPER_END') return { text: 'Rouleau presque vide : prévoyez un rouleau neuf.', code: null };
  if (s.state === 'starting') return { text: 'L’équipement démarre.', code: null };
  if (!s.lastError) return { text: s.state === 'offline' ? 'L’équipement ne répond pas.' : 'Fonctionnement dégradé.', code: null };
  const text = EXPLAIN.find(([re]) => re.test(s.lastError?.code ?? ''))?.[1] ?? 'Incident technique sur l’équipement.';
  return { text, code: s.lastError.code };
}

const OUTCOMES: Record<Pass['outcome'], string> = { passed: 'Passé', 'not-passed': 'Non passé', denied: 'Refusé', manual: 'Ouverture manuelle', emergency: 'Urgence', forced: 'Passage forcé' };
const TICKETS = 'Ticket';

/** "lea@support#tok_3977…" is a fleet token's name and id: people see the name. */
export function operatorName(operator: string | null): string | null {
  if (operator === null) return null;
  return operator.replace(/#tok_[A-Za-z0-9_-]+$/, '');
}

/**
 * The journal's note as a person reads it: the operator's reason, without the command id of
 * a remote open, the support ticket as "dossier", and what the turnstile saw in words.
 */
export function noteText(note: string | null): { readonly text: string; readonly remote: boolean } {
  if (note === null) return { text: '', remote: false };
  let text = note;
  let seen = '';
  const outcome = /\s\((passed|not passed|turnstile refused \(([A-Z0-9_]+)\): .*)\)$/.exec(text);
  if (outcome) {
    text = text.slice(0, outcome.index);
    seen = outcome[1] === 'passed' ? 'passage confirmé' : outcome[1] === 'not passed' ? 'personne n’est passé' : `le tourniquet a refusé l’ouverture (${outcome[2]})`;
  }
  const remote = /\s?\[remote [^\]]*\]/.test(text);
  text = text.replace(/\s?\[remote [^\]]*\]/g, '').replace(/\s?\[ticket ([^\]]*)\]/g, ' (dossier $1)');
  const mode = /^mode (\S+) -> (\S+) \((.*)\)$/.exec(text);
  if (mode) text = `Mode ${modeName(mode[1])} → ${modeName(mode[2])}`;
  if (/^fire alarm: /.test(text)) text = 'Alarme incendie : passage libre';
  if (/^lock-down: /.test(text)) text = 'Verrouillage : ouvertures refusées';
  return { text: [text.trim(), seen].filter(Boolean).join(' — '), remote };
}

const modeName = (m: string | undefined) => (m === 'lockdown' ? 'verrouillage' : m === 'fire-alarm' ? 'alarme incendie' : 'normal');

export interface PassView {
  readonly seq: number;
  readonly ts: number;
  readonly lane: string;
  readonly direction: string;
  readonly outcome: string;
  /** ok, refused, manual: how the row is coloured. */
  readonly tone: 'ok' | 'refused' | 'manual' | 'neutral';
  readonly reason: string;
  readonly who: string;
  readonly operator: string;
  readonly note: string;
}

/** A journal row for the desk: every field in words. */
export function passView(p: Pass, lanes: ReadonlyMap<string, string>, memberName: (id: string) => string | undefined): PassView {
  const note = noteText(p.note);
  const operator = operatorName(p.operator);
  const who = p.memberId !== null ? (memberName(p.memberId) ?? 'Membre inconnu du boîtier') : p.credential.kind === 'ticket' ? TICKETS : '';
  return {
    seq: p.seq,
    ts: p.ts,
    lane: lanes.get(p.laneId) ?? 'Voie retirée',
    direction: p.direction === 'in' ? 'Entrée' : 'Sortie',
    outcome: OUTCOMES[p.outcome],
    tone: p.outcome === 'denied' ? 'refused' : p.outcome === 'manual' || p.outcome === 'emergency' || p.outcome === 'forced' ? 'manual' : p.outcome === 'passed' ? 'ok' : 'neutral',
    reason: p.reason === 'granted' || p.reason === 'manual-open' ? '' : REASON_LABELS_FR[p.reason],
    who,
    operator: operator === null ? '' : note.remote ? `${operator} (à distance)` : operator,
    note: note.text,
  };
}
