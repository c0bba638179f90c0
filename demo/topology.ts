/** The simulated clubs: who is a member, which boxes each club has. */
export interface DemoMember {
  readonly id: string;
  readonly name: string;
  /** EM4100 tag number printed on the badge (the reader reports it in decimal). */
  readonly badge: number;
  /** Subscription ended yesterday: refused at the turnstile ("no access right"). */
  readonly expired?: boolean;
}

export interface DemoClub {
  readonly id: string;
  readonly name: string;
  readonly boxes: readonly { readonly id: string; readonly name: string }[];
  readonly members: readonly DemoMember[];
}

const FIRST = ['Camille', 'Lucas', 'Emma', 'Hugo', 'Léa', 'Nathan', 'Chloé', 'Louis', 'Inès', 'Jules', 'Manon', 'Adam'];

function members(prefix: string, base: number): DemoMember[] {
  return FIRST.map((name, i) => ({ id: `${prefix}-m${i + 1}`, name: `${name} ${prefix.toUpperCase()}`, badge: base + i, ...(i === 11 ? { expired: true } : {}) }));
}

export const DEMO_CLUBS: readonly DemoClub[] = [
  { id: 'club-lyon', name: 'Lyon Part-Dieu', boxes: [{ id: 'lyon-01', name: 'Lyon accueil' }, { id: 'lyon-02', name: 'Lyon piscine' }], members: members('lyon', 10_000_100) },
  { id: 'club-nantes', name: 'Nantes Centre', boxes: [{ id: 'nantes-01', name: 'Nantes accueil' }], members: members('nantes', 20_000_100) },
];

/** Badges nobody issued: refused as unknown credentials. */
export const UNKNOWN_BADGES: readonly number[] = [99_000_001, 99_000_002];
