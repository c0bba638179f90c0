/**
 * Reports over stored passes, pure: rows in, findings out (the API reads the rows, in
 * bounded pages it feeds to a scan, yielding between pages so other requests are served).
 *
 * - Card sharing: one credential entering at two clubs faster than anyone can travel
 *   between them ("impossible-travel"), or entering again while its previous visit is
 *   still open, i.e. no exit in between ("overlapping-entries": the card was handed back
 *   over the turnstile or lent to someone at another place).
 * - Entry/exit mismatch: per club and local day, the credentials whose entries and exits
 *   do not balance (tailgating, exits through a fire door, a broken exit reader).
 */
export interface PassFact {
  boxId: string;
  clubId: string | null;
  at: number;
  lane: string;
  direction: string | null;
  granted: boolean;
  outcome: string | null;
  memberId: string | null;
  credentialHash: string | null;
}

export interface PassRef {
  boxId: string;
  clubId: string | null;
  lane: string;
  at: number;
}

export interface SharingFinding {
  kind: 'impossible-travel' | 'overlapping-entries';
  credential: string;
  memberId: string | null;
  first: PassRef;
  second: PassRef;
  intervalMs: number;
}

export interface SharingOptions {
  /** Two entries at different clubs closer than this are impossible (default 30 min). */
  minTravelMs: number;
  /** A visit without exit counts as open this long at most (default 4 h). */
  maxVisitMs: number;
}

/** Entries that happened: granted, inward, and not timed out at the turnstile. */
const isEntry = (p: PassFact): boolean => p.granted && p.direction === 'in' && p.outcome !== 'not-passed' && p.outcome !== 'denied';
const isExit = (p: PassFact): boolean => p.direction === 'out' && (p.outcome === null || p.outcome === 'passed' || p.outcome === 'manual');
/**
 * For the per-day counts, a lane that staff opened inward is an entry, as an exit opened by
 * staff is an exit: the desk letting a member in by hand. (Card sharing keeps to granted
 * entries: a staff open carries no credential to share.)
 */
const countsAsEntry = (p: PassFact): boolean => isEntry(p) || (p.direction === 'in' && p.outcome === 'manual');

/** The credential's identity across boxes: its hash, else the member. */
export const credentialKey = (p: PassFact): string | null => p.credentialHash ?? (p.memberId ? `member:${p.memberId}` : null);

const ref = (p: PassFact): PassRef => ({ boxId: p.boxId, clubId: p.clubId, lane: p.lane, at: p.at });

/**
 * Card sharing over passes fed in time order, page by page: the caller reads a bounded page
 * from the store, adds it, and may yield to the event loop before the next one.
 */
export class CardSharingScan {
  private readonly state = new Map<string, { last: PassFact; open: boolean }>();
  readonly findings: SharingFinding[] = [];

  constructor(private readonly opts: SharingOptions) {}

  add(passes: readonly PassFact[]): void {
    for (const p of passes) {
      const key = credentialKey(p);
      if (key === null) continue;
      const s = this.state.get(key);
      if (isExit(p)) {
        if (s) s.open = false;
        continue;
      }
      if (!isEntry(p)) continue;
      if (s) {
        const interval = p.at - s.last.at;
        let kind: SharingFinding['kind'] | null = null;
        if (s.last.clubId !== p.clubId && interval < this.opts.minTravelMs) kind = 'impossible-travel';
        else if (s.open && interval < this.opts.maxVisitMs) kind = 'overlapping-entries';
        if (kind) this.findings.push({ kind, credential: key, memberId: p.memberId ?? s.last.memberId, first: ref(s.last), second: ref(p), intervalMs: interval });
      }
      this.state.set(key, { last: p, open: true });
    }
  }
}

/** `passes` must be in time order. */
export function findCardSharing(passes: readonly PassFact[], opts: SharingOptions): SharingFinding[] {
  const scan = new CardSharingScan(opts);
  scan.add(passes);
  return scan.findings;
}

export interface MismatchRow {
  clubId: string;
  day: string;
  entries: number;
  exits: number;
  unbalanced: { credential: string; memberId: string | null; entries: number; exits: number }[];
}

const dayFormats = new Map<string, Intl.DateTimeFormat | null>();

/** Local calendar day (YYYY-MM-DD) of `at` in `timezone`; UTC when the zone is unknown. */
export function localDay(at: number, timezone: string): string {
  // Building a formatter costs far more than using one: one per zone, reused.
  let format = dayFormats.get(timezone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      format = null;
    }
    dayFormats.set(timezone, format);
  }
  return format ? format.format(at) : new Date(at).toISOString().slice(0, 10);
}

/** Entry/exit balance over passes fed page by page (any order). */
export class EntryExitTally {
  private readonly days = new Map<string, { clubId: string; day: string; entries: number; exits: number; byCred: Map<string, { memberId: string | null; entries: number; exits: number }> }>();

  constructor(private readonly timezoneOf: (clubId: string) => string) {}

  add(passes: readonly PassFact[]): void {
    for (const p of passes) {
      if (p.clubId === null) continue;
      const entry = countsAsEntry(p);
      if (!entry && !isExit(p)) continue;
      const day = localDay(p.at, this.timezoneOf(p.clubId));
      const k = `${p.clubId}\u0000${day}`;
      let d = this.days.get(k);
      if (!d) this.days.set(k, (d = { clubId: p.clubId, day, entries: 0, exits: 0, byCred: new Map() }));
      if (entry) d.entries++;
      else d.exits++;
      const cred = credentialKey(p);
      if (cred === null) continue;
      let c = d.byCred.get(cred);
      if (!c) d.byCred.set(cred, (c = { memberId: p.memberId, entries: 0, exits: 0 }));
      if (entry) c.entries++;
      else c.exits++;
    }
  }

  result(): MismatchRow[] {
    return [...this.days.values()]
      .map((d) => ({
        clubId: d.clubId,
        day: d.day,
        entries: d.entries,
        exits: d.exits,
        unbalanced: [...d.byCred.entries()].filter(([, c]) => c.entries !== c.exits).map(([credential, c]) => ({ credential, ...c })),
      }))
      .sort((a, b) => (a.clubId === b.clubId ? a.day.localeCompare(b.day) : a.clubId.localeCompare(b.clubId)));
  }
}

export function findEntryExitMismatch(passes: readonly PassFact[], timezoneOf: (clubId: string) => string): MismatchRow[] {
  const tally = new EntryExitTally(timezoneOf);
  tally.add(passes);
  return tally.result();
}
