import { normaliseBadge } from '../../protocol/access/credential.ts';
import type { Member, RightsView } from '../access/index.ts';

/** One line of the desk's search results. */
export interface MemberHit {
  readonly id: string;
  readonly name: string;
  /** Why it matched, in words: "nom", "badge", "n° d'adhérent". */
  readonly matched: string;
}

export interface MemberCard {
  readonly id: string;
  readonly name: string;
  readonly subscriptionEnd: number | null;
  readonly rights: readonly {
    readonly kind: string;
    readonly zones: string;
    readonly validFrom: number;
    readonly validTo: number;
    readonly status: string;
    readonly visitsLeft: number | null;
    readonly perDay: number | null;
  }[];
  readonly alerts: readonly { readonly message: string; readonly from: number | null; readonly until: number | null; readonly inForce: boolean }[];
}

const MAX_HITS = 20;
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * The desk's member search, on the box's own rights (works with the fleet unreachable): a
 * member number (the member id), a badge number in any notation the readers use, or words
 * of the name (accents and case ignored, every word must appear).
 */
export function searchMembers(view: RightsView, query: string): MemberHit[] {
  const q = query.trim();
  const hits = new Map<string, MemberHit>();
  const add = (m: Member | undefined, matched: string) => {
    if (m !== undefined && !hits.has(m.id)) hits.set(m.id, { id: m.id, name: m.displayName, matched });
  };
  add(view.member(q), 'n° d’adhérent');
  const badge = normaliseBadge(q);
  if (badge.ok) {
    const c = view.credential('badge', badge.value.number);
    if (c !== undefined) add(view.member(c.memberId), 'badge');
  }
  const words = fold(q).split(/\s+/).filter(Boolean);
  if (words.length > 0) {
    for (const m of view.members()) {
      if (hits.size >= MAX_HITS) break;
      const name = fold(m.displayName);
      if (words.every((w) => name.includes(w))) add(m, 'nom');
    }
  }
  return [...hits.values()].slice(0, MAX_HITS);
}

const within = (now: number, from: number | null | undefined, to: number | null | undefined) => (from == null || now >= from) && (to == null || now < to);

/** What the desk shows of a member: rights with their validity and visits left, blocking alerts. */
export function memberCard(view: RightsView, memberId: string, now: number): MemberCard | undefined {
  const m = view.member(memberId);
  if (m === undefined) return undefined;
  const zoneName = (id: string) => view.zone(id)?.name ?? 'zone inconnue';
  return {
    id: m.id,
    name: m.displayName,
    subscriptionEnd: m.subscriptionEnd,
    rights: view.rightsOf(m.id).map((r) => ({
      kind: r.kind === 'subscription' ? 'Abonnement' : 'Carnet',
      zones: r.zoneIds.map(zoneName).join(', '),
      validFrom: r.validFrom,
      validTo: r.validTo,
      status: now < r.validFrom ? 'À venir' : now >= r.validTo ? 'Terminé' : 'Valide',
      visitsLeft: r.kind === 'pack' ? (view.visitsLeft(r) ?? 0) : null,
      perDay: r.maxEntriesPerDay,
    })),
    alerts: m.blockingAlerts.map((a) => ({ message: a.message, from: a.from ?? null, until: a.until ?? null, inForce: within(now, a.from, a.until) })),
  };
}
