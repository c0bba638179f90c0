import type { ExplainedInstant, Explanation, RightCandidate, RuleTrace } from '../../protocol/access/explanation.ts';
import { failedRule } from '../../protocol/access/explanation.ts';

/**
 * A pass's cause in plain words for support (the member view, the CLI), from the box's own
 * explanation (protocol/access/explanation.ts): which rule refused, with the date or count
 * behind it. Pure. Without an explanation (older box, manual opens) it falls back to the
 * reason code's meaning. Times are the club's local time, as the box rendered them.
 */
export function passInWords(reason: string, explanation: unknown, note?: string | null): string {
  const e = asExplanation(explanation);
  if (e !== undefined) {
    const failed = e.rules.find((r) => r.outcome === 'fail');
    if (failed !== undefined) {
      const words = failed.facts === undefined ? undefined : ruleInWords(failed as RuleTrace, e);
      return `Refused: ${words ?? REASONS[reason] ?? reason}${e.truncated ? ' (explanation cut to fit)' : ''}`;
    }
    if (reason === 'granted') return `Granted${grantedWith(e)}`;
  }
  const base = REASONS[reason] ?? reason;
  if (reason === 'granted') return 'Granted';
  if (LANE_REASONS.has(reason)) return `${base}${note ? `: ${note}` : ''}`;
  return `Refused: ${base}`;
}

/** The refusing rule's name, for filters and the expandable detail. */
export function refusingRule(explanation: unknown): string | null {
  const e = asExplanation(explanation);
  return e === undefined ? null : (failedRule(e) ?? null);
}

/** 'YYYY-MM-DD HH:MM' in the club's time (the box's rendering), else UTC. */
export function when(i: ExplainedInstant | null | undefined): string {
  if (i === null || i === undefined) return 'unknown';
  if (typeof i.local === 'string' && i.local.length >= 16) return `${i.local.slice(0, 10)} ${i.local.slice(11, 16)}`;
  return `${new Date(i.at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function ruleInWords(rule: RuleTrace, e: Explanation): string | undefined {
  switch (rule.rule) {
    case 'credential': {
      const f = rule.facts;
      if (f === undefined) return undefined;
      if (f.qr?.problem) return qrWords(f.qr.problem, f.qr.expiresAt);
      if (f.credentialId === null) return `this ${f.kind} is not known in the rights (version ${e.rightsVersion})`;
      if (f.validTo !== null && f.validTo.at <= e.at.at) return `${f.kind} ${f.credentialId} was valid until ${when(f.validTo)}`;
      if (f.validFrom !== null) return `${f.kind} ${f.credentialId} is valid only from ${when(f.validFrom)}`;
      return undefined;
    }
    case 'rights-fresh':
      return `the box's rights were too old to trust (offline policy ${rule.facts?.policy ?? 'deny-all'}); the box needs to reach the fleet`;
    case 'member':
      return `member ${rule.facts?.memberId ?? ''} is not in the rights the box holds (version ${e.rightsVersion})`;
    case 'blocking-alert': {
      const alerts = rule.facts?.alerts ?? [];
      const list = alerts.map((a) => `“${a.message}”${a.until ? ` until ${when(a.until)}` : ''}`).join(', ');
      return `blocking alert ${list}`;
    }
    case 'zone-open': {
      const f = rule.facts;
      if (f === undefined) return undefined;
      if (!f.known) return `zone ${f.zoneId} is not in the box's rights or its time zone is unknown`;
      const today = f.today.length ? `open today ${f.today.join(', ')}` : 'closed all day today';
      return `zone ${f.zoneName ?? f.zoneId} was closed at ${when(e.at)} (${today}); it opens next ${f.nextOpening ? `at ${when(f.nextOpening)}` : 'not within 31 days'}`;
    }
    case 'right':
      return rightWords(rule.facts);
    case 'ticket': {
      const f = rule.facts;
      if (f === undefined) return undefined;
      return f.used ? `ticket ${f.id} was already used here` : `ticket ${f.id} is for ${f.zoneIds.join(', ')}, not this zone`;
    }
    case 'booking-window': {
      const f = rule.facts;
      if (f === undefined) return undefined;
      if (f.booking === null) return `no booking for this class (entry ${f.beforeMin} min before to ${f.afterMin} min after a booked start)`;
      return `no booking open now: booking ${f.booking.id} starts ${when(f.booking.startsAt)}, entry from ${when(f.booking.opensAt)} to ${when(f.booking.closesAt)}`;
    }
    case 'anti-passback': {
      const f = rule.facts;
      if (f === undefined) return undefined;
      if (f.mode === 'strict') return `anti-passback: the last pass in this zone was an entry${f.lastPass ? ` at ${when(f.lastPass.at)}` : ''} with no exit since`;
      return `anti-passback: entered at ${when(f.lastEntry)}, may enter again from ${when(f.allowedFrom)} (${f.minutes} min)`;
    }
    case 'min-reentry':
      return `re-entry delay: left at ${when(rule.facts?.lastExit)}, may enter again from ${when(rule.facts?.allowedFrom)} (${rule.facts?.minutes} min)`;
    case 'capacity':
      return `zone full: ${rule.facts?.occupancy} inside for a capacity of ${rule.facts?.capacity}`;
    case 'exit':
      return undefined;
  }
}

function rightWords(f: Extract<RuleTrace, { rule: 'right' }>['facts']): string | undefined {
  if (f === undefined) return undefined;
  const all = [...f.candidates];
  if (all.length === 0) return `no right covers this zone${f.otherZones ? ` (the member has ${f.otherZones} right(s) for other zones)` : ''}`;
  const more = f.more ? ` (and ${f.more} more)` : '';
  return `${all.map(candidateWords).join('; ')}${more}`;
}

function candidateWords(c: RightCandidate): string {
  const name = `${c.kind} ${c.id}`;
  switch (c.status) {
    case 'ended':
      return `${name} ended on ${when(c.validTo)}`;
    case 'not-yet-valid':
      return `${name} starts on ${when(c.validFrom)}`;
    case 'no-visits-left':
      return `${name} has no visits left (${c.visitsLeft ?? 0})`;
    case 'daily-quota-reached':
      return `${name} already used its ${c.maxEntriesPerDay} entries of the day (${c.entriesToday} today)`;
    case 'usable':
      return `${name} was usable`;
  }
}

function qrWords(problem: string, expiresAt: ExplainedInstant | null): string {
  switch (problem) {
    case 'QR_EXPIRED':
      return `the QR code expired at ${when(expiresAt)}`;
    case 'QR_NOT_YET_VALID':
      return 'the ticket is not valid yet';
    case 'QR_REPLAYED':
      return 'the QR code was already used';
    case 'QR_NOT_A_TOKEN':
      return 'the QR code is not a RESABOX code';
    case 'QR_UNKNOWN_KEY':
      return 'the QR code was signed by a key this box does not know (or no longer trusts)';
    default:
      return `the QR code is invalid (${problem})`;
  }
}

function grantedWith(e: Explanation): string {
  const right = e.rules.find((r) => r.rule === 'right');
  const chosen = right?.rule === 'right' ? right.facts?.chosen : undefined;
  return chosen ? ` with right ${chosen}` : '';
}

/** A stored explanation, if it has the envelope of one (a newer box's may carry unknown rules). */
function asExplanation(value: unknown): Explanation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Partial<Explanation>;
  if (!Array.isArray(e.rules) || typeof e.rightsVersion !== 'number') return undefined;
  return { ...(e as Explanation), at: e.at ?? { at: 0, local: null } };
}

/** What each reason code means, in English, when there is no explanation to be precise with. */
const REASONS: Readonly<Record<string, string>> = {
  granted: 'access granted',
  'unknown-credential': 'unknown badge or code',
  'zone-closed': 'zone closed',
  'no-access-right': 'no right for this zone',
  'blocking-alert': 'blocking alert on the member',
  'qr-expired': 'QR code expired',
  'qr-replayed': 'QR code already used',
  'qr-invalid': 'invalid QR code',
  'outside-validity': 'outside the validity period',
  'anti-passback': 'anti-passback (no exit recorded)',
  'min-reentry-interval': 'minimum re-entry delay',
  'quota-exhausted': 'no visits or entries left',
  'booking-window': 'no booking for this slot',
  'capacity-reached': 'zone full',
  'manual-open': 'opened by staff',
  emergency: 'emergency opening',
  'forced-passage': 'forced passage (no grant)',
  'rights-expired': "the box's rights were too old to trust",
  lockdown: 'refused during a lock-down',
  'decision-fault': 'refused: the box could not decide (fault)',
};
const LANE_REASONS = new Set(['manual-open', 'emergency', 'forced-passage']);
