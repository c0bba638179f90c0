import type { BookingWindowFacts, CredentialFacts, ExplainedInstant, RightCandidate, RightFacts, RuleTrace, ZoneOpenFacts } from '../../protocol/access/explanation.ts';
import type { Decision } from '../access/index.ts';

/**
 * What a refused member can do, in plain French, phrased from the decision's own
 * explanation (the rules decide() evaluated and their facts, protocol/access/explanation.ts):
 * the end date of an ended subscription, the zone's next opening, the booking window, the
 * visits left on a pack, the desk for a blocking alert. Dates in the zone's time zone.
 */
export function refusalAdvice(decision: Decision): string {
  const e = decision.explanation;
  const fmt = formats(e?.tz ?? undefined, e?.at.at);
  const fail = e?.rules.find((r) => r.outcome === 'fail');
  const facts = <R extends RuleTrace['rule']>(rule: R) => (fail?.rule === rule ? (fail.facts as Extract<RuleTrace, { rule: R }>['facts']) : undefined);
  switch (decision.reason) {
    case 'blocking-alert':
      return 'Présentez-vous à l’accueil.';
    case 'outside-validity':
      return validityAdvice(facts('credential'), facts('right'), fmt);
    case 'zone-closed': {
      const z: ZoneOpenFacts | undefined = facts('zone-open');
      const name = z?.zoneName ?? 'La salle';
      return z?.nextOpening ? `${name} ouvre à nouveau ${fmt.when(z.nextOpening)}.` : `${name} est fermée pour le moment.`;
    }
    case 'booking-window':
      return bookingAdvice(facts('booking-window'), fmt);
    case 'quota-exhausted':
      return quotaAdvice(facts('right')?.candidates ?? []);
    case 'no-access-right':
      return fail?.rule === 'ticket' ? 'Ce ticket n’est pas valable dans cette zone.' : 'Votre abonnement ne donne pas accès à cette zone : voyez l’accueil.';
    case 'anti-passback': {
      const from = facts('anti-passback')?.allowedFrom;
      return from ? `Nouvelle entrée possible ${fmt.when(from)}.` : 'Votre sortie n’a pas été enregistrée : voyez l’accueil.';
    }
    case 'min-reentry-interval': {
      const from = facts('min-reentry')?.allowedFrom;
      return from ? `Nouvelle entrée possible ${fmt.when(from)}.` : 'Patientez quelques minutes avant de revenir.';
    }
    case 'capacity-reached':
      return 'Le club est complet : réessayez dans quelques minutes.';
    case 'unknown-credential':
      return 'Ce badge n’est pas enregistré : présentez-vous à l’accueil.';
    case 'qr-expired':
      return 'Ce QR code n’est plus valable : affichez-en un nouveau, ou voyez l’accueil.';
    case 'qr-replayed':
      return 'Ce code a déjà servi : il n’ouvre qu’une fois.';
    case 'rights-expired':
      return 'Le contrôle est impossible pour le moment : présentez-vous à l’accueil.';
    default:
      return 'Adressez-vous à l’accueil.';
  }
}

type Formats = ReturnType<typeof formats>;

function validityAdvice(credential: CredentialFacts | undefined, right: RightFacts | undefined, fmt: Formats): string {
  if (credential?.qr) return credential.validFrom ? `Ce ticket sera valable ${fmt.when(credential.validFrom)}.` : 'Ce ticket n’est pas valable maintenant.';
  if (credential) {
    if (credential.validTo && credential.validTo.at <= fmt.now) return `Votre badge n’est plus valable depuis le ${fmt.lastDay(credential.validTo)} : présentez-vous à l’accueil.`;
    if (credential.validFrom) return `Votre badge sera valable ${fmt.when(credential.validFrom)}.`;
  }
  const candidates = right?.candidates ?? [];
  const next = candidates.filter((c) => c.status === 'not-yet-valid').sort((a, b) => a.validFrom.at - b.validFrom.at)[0];
  if (next) return `Votre ${next.kind === 'pack' ? 'carnet' : 'abonnement'} commence ${fmt.when(next.validFrom)}.`;
  const ended = candidates.filter((c) => c.status === 'ended').sort((a, b) => b.validTo.at - a.validTo.at)[0];
  if (ended) return `Votre ${ended.kind === 'pack' ? 'carnet a expiré' : 'abonnement a pris fin'} le ${fmt.lastDay(ended.validTo)} : renouvelez-le à l’accueil.`;
  return 'Adressez-vous à l’accueil.';
}

function bookingAdvice(b: BookingWindowFacts | undefined, fmt: Formats): string {
  if (!b?.booking) return 'Cette salle se réserve : réservez un créneau avant de venir.';
  const slot = fmt.time(b.booking.startsAt);
  if (b.booking.opensAt.at > fmt.now) return `Votre réservation de ${slot} : entrée possible ${fmt.when(b.booking.opensAt)}.`;
  return `Votre créneau de ${slot} est passé : réservez-en un autre.`;
}

function quotaAdvice(candidates: readonly RightCandidate[]): string {
  const daily = candidates.find((c) => c.status === 'daily-quota-reached');
  if (daily?.maxEntriesPerDay) return `${daily.maxEntriesPerDay > 1 ? `Vous avez fait vos ${daily.maxEntriesPerDay} entrées` : 'Vous avez fait votre entrée'} du jour : revenez demain.`;
  const pack = candidates.find((c) => c.status === 'no-visits-left');
  if (pack) return `Votre carnet est épuisé (${Math.max(0, pack.visitsLeft ?? 0)} entrée restante) : rechargez-le à l’accueil.`;
  return 'Adressez-vous à l’accueil.';
}

/**
 * The French formatters of one time zone, built once: building an Intl.DateTimeFormat costs
 * about 0.3 ms and a few hundred KB of ICU memory that is freed only when V8 collects it,
 * and the totem advises on every refusal (a box under a stream of unknown badges grew by
 * tens of MB).
 */
const formattersByZone = new Map<string, { day: Intl.DateTimeFormat; weekday: Intl.DateTimeFormat; hour: Intl.DateTimeFormat }>();

function formattersFor(timeZone: string | undefined) {
  const key = timeZone ?? '';
  let f = formattersByZone.get(key);
  if (!f) {
    const zone = { ...(timeZone ? { timeZone } : {}) };
    f = {
      day: new Intl.DateTimeFormat('fr-FR', { ...zone, day: 'numeric', month: 'long', year: 'numeric' }),
      weekday: new Intl.DateTimeFormat('fr-FR', { ...zone, weekday: 'long', day: 'numeric', month: 'long' }),
      hour: new Intl.DateTimeFormat('fr-FR', { ...zone, hour: '2-digit', minute: '2-digit' }),
    };
    formattersByZone.set(key, f);
  }
  return f;
}

/** French renderings of instants in the zone's time zone (the box's when unknown). */
function formats(timeZone: string | undefined, now = Date.now()) {
  const { day, weekday, hour } = formattersFor(timeZone);
  const sameDay = (a: number, b: number) => day.format(a) === day.format(b);
  return {
    now,
    time: (i: ExplainedInstant) => hour.format(i.at),
    /** "aujourd’hui à 14:00", "demain à 06:00", "le lundi 5 janvier à 06:00". */
    when(i: ExplainedInstant): string {
      if (sameDay(i.at, now)) return `aujourd’hui à ${hour.format(i.at)}`;
      if (sameDay(i.at, now + 86_400_000)) return `demain à ${hour.format(i.at)}`;
      return `le ${weekday.format(i.at)} à ${hour.format(i.at)}`;
    },
    /** The last day an end date (exclusive) still covers: an end at midnight is the day before. */
    lastDay: (end: ExplainedInstant) => day.format(end.at - 1),
  };
}
