import type { QrTokenErrorCode } from './qr-token.ts';

/**
 * The explanation of an access decision (docs/access-rules.md, "Explanations"): the rules
 * decide() evaluated, in order, each with its outcome and the facts it used, plus the
 * rights version. Pure data, journaled with the pass and carried to the fleet in the
 * contract (protocol/mqtt/schemas/passes.ts), bounded in size.
 *
 * Screens phrase their advice from it (the totem in French, support's member view in
 * English), so every fact is a field, never free text: dates are instants (epoch ms) with
 * their wall-clock rendering in the zone's time zone, counts are numbers.
 */
export const EXPLANATION_VERSION = 1;

/** The JSON of one explanation, in UTF-8 bytes, at most (a pass batch stays under its limit). */
export const MAX_EXPLANATION_BYTES = 2048;

/** Lists inside facts (rights, alerts) are cut to this many entries; `more` counts the rest. */
export const MAX_LISTED = 6;

/**
 * Codes an explanation carries in `truncated` when it was cut to fit: by the box that made it
 * (`EXPLANATION_TRUNCATED`), or by the fleet, which received one over the bound
 * (`EXPLANATION_TOO_LARGE`).
 */
export const EXPLANATION_CUT_CODES = ['EXPLANATION_TRUNCATED', 'EXPLANATION_TOO_LARGE'] as const;
export type ExplanationCutCode = (typeof EXPLANATION_CUT_CODES)[number];

/*
 * Facts are type aliases, not interfaces, so that they are also the contract's open
 * `Record<string, unknown>` facts.
 */

/**
 * An instant and its wall-clock rendering in the explanation's time zone,
 * 'YYYY-MM-DDTHH:MM+02:00' (null when the time zone or instant cannot be rendered).
 */
export type ExplainedInstant = {
  readonly at: number;
  readonly local: string | null;
};

/** pass: the rule held; fail: it gave the refusal; skip: it does not apply here (no such limit on this zone). */
export type RuleOutcome = 'pass' | 'fail' | 'skip';

export type CredentialFacts = {
  readonly kind: 'badge' | 'pin' | 'qr';
  /** The stored credential record that matched, or null (unknown credential, invalid token). */
  readonly credentialId: string | null;
  /** The credential's own validity window (null ends are open). */
  readonly validFrom: ExplainedInstant | null;
  readonly validTo: ExplainedInstant | null;
  /** Signed QR codes (member tokens, printed tickets): the key id, the expiry, and what was wrong (null if nothing). */
  readonly qr?: {
    readonly keyId: string | null;
    readonly expiresAt: ExplainedInstant | null;
    readonly problem: QrTokenErrorCode | 'QR_NOT_YET_VALID' | 'QR_NOT_A_TOKEN' | 'QR_REPLAYED' | null;
  };
};

export type RightsFreshFacts = {
  /** The rights are older than the offline limit without fleet contact. */
  readonly expired: boolean;
  readonly policy: 'deny-all' | 'keep-known-members' | null;
};

export type MemberFacts = {
  readonly memberId: string;
  readonly known: boolean;
  /** The member's main subscription end, as the club backend sent it. */
  readonly subscriptionEnd: ExplainedInstant | null;
};

export type BlockingAlertFacts = {
  /** The alerts in force now, with their time bounds (null: open end). */
  readonly alerts: readonly { readonly id: string; readonly message: string; readonly from: ExplainedInstant | null; readonly until: ExplainedInstant | null }[];
  readonly more: number;
};

export type ZoneOpenFacts = {
  readonly zoneId: string;
  readonly zoneName: string | null;
  /** The zone is in the rights and its time zone is known. */
  readonly known: boolean;
  /** Opening windows of the current local date ('HH:MM-HH:MM', after exceptional closures). */
  readonly today: readonly string[];
  /** When the zone opens next (only when it is closed now; null if not within 31 days). */
  readonly nextOpening: ExplainedInstant | null;
};

export const RIGHT_STATUSES = ['usable', 'not-yet-valid', 'ended', 'no-visits-left', 'daily-quota-reached'] as const;
export type RightStatus = (typeof RIGHT_STATUSES)[number];

export type RightCandidate = {
  readonly id: string;
  readonly kind: 'subscription' | 'pack';
  readonly validFrom: ExplainedInstant;
  readonly validTo: ExplainedInstant;
  /** Packs: visits left on this box (the fleet's count minus visits recorded here since). */
  readonly visitsLeft: number | null;
  readonly maxEntriesPerDay: number | null;
  /** Entries today (zone-local date) in the zones the right covers, when it has a daily quota. */
  readonly entriesToday: number | null;
  readonly status: RightStatus;
};

export type RightFacts = {
  /** The right the entry would use (null: none was usable). */
  readonly chosen: string | null;
  /** The member's rights covering the zone, the chosen one first. */
  readonly candidates: readonly RightCandidate[];
  readonly more: number;
  /** The member's rights that do not cover this zone. */
  readonly otherZones: number;
};

export type BookingWindowFacts = {
  readonly beforeMin: number;
  readonly afterMin: number;
  /** The member's booking for this zone nearest to now: the one open now, else the next, else the last. */
  readonly booking: {
    readonly id: string;
    readonly startsAt: ExplainedInstant;
    /** The window in which it lets the member in: [opensAt, closesAt], both ends included. */
    readonly opensAt: ExplainedInstant;
    readonly closesAt: ExplainedInstant;
  } | null;
  /** The member's bookings for this zone. */
  readonly bookings: number;
};

export type AntiPassbackFacts = {
  readonly mode: 'strict' | 'timed';
  readonly minutes: number | null;
  /** The member's last confirmed pass in the zone. */
  readonly lastPass: { readonly at: ExplainedInstant; readonly direction: 'in' | 'out' } | null;
  /** timed: the last entry counted, and when the member may enter again. */
  readonly lastEntry: ExplainedInstant | null;
  readonly allowedFrom: ExplainedInstant | null;
};

export type MinReentryFacts = {
  readonly minutes: number;
  readonly lastExit: ExplainedInstant | null;
  readonly allowedFrom: ExplainedInstant | null;
};

/** A printed ticket (day or guest pass) is its own right. */
export type TicketFacts = {
  readonly id: string;
  readonly kind: 'day' | 'guest';
  readonly zoneIds: readonly string[];
  /** This box already let it in (`usedQrNonces`). */
  readonly used: boolean;
  readonly coversZone: boolean;
};

export type CapacityFacts = {
  readonly occupancy: number;
  readonly capacity: number;
};

interface FactsOf {
  readonly exit: Record<string, never>;
  readonly credential: CredentialFacts;
  readonly 'rights-fresh': RightsFreshFacts;
  readonly ticket: TicketFacts;
  readonly member: MemberFacts;
  readonly 'blocking-alert': BlockingAlertFacts;
  readonly 'zone-open': ZoneOpenFacts;
  readonly right: RightFacts;
  readonly 'booking-window': BookingWindowFacts;
  readonly 'anti-passback': AntiPassbackFacts;
  readonly 'min-reentry': MinReentryFacts;
  readonly capacity: CapacityFacts;
}

/**
 * The rules in the order decide() evaluates them (an exit has only `credential` and `exit`;
 * a printed ticket has `ticket` instead of the member and right rules).
 */
export const RULE_NAMES = ['credential', 'rights-fresh', 'ticket', 'member', 'blocking-alert', 'zone-open', 'right', 'booking-window', 'anti-passback', 'min-reentry', 'capacity', 'exit'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** One evaluated rule. `facts` is absent on `skip` and on rules whose facts were cut. */
export type RuleTrace = {
  [R in RuleName]: { readonly rule: R; readonly outcome: RuleOutcome; readonly facts?: FactsOf[R] };
}[RuleName];

export interface Explanation {
  readonly v: typeof EXPLANATION_VERSION;
  /** The rights version decide() used. */
  readonly rightsVersion: number;
  /** The decision instant. */
  readonly at: ExplainedInstant;
  /** The zone's IANA time zone, in which every `local` is rendered (null: unknown zone). */
  readonly tz: string | null;
  /** Evaluated rules in order; the refusing rule is the last, with outcome `fail`. */
  // A mutable array type only so that it is also the contract's (protocol/mqtt Pass.explanation).
  readonly rules: RuleTrace[];
  readonly truncated?: ExplanationCutCode;
};

/** The rule that refused, if any (a truncated explanation keeps it). */
export function failedRule(e: { readonly rules: readonly { readonly rule: string; readonly outcome: string }[] }): string | undefined {
  return e.rules.find((r) => r.outcome === 'fail')?.rule;
}

/**
 * The explanation as JSON of at most `maxBytes` UTF-8 bytes. When too large it is cut,
 * marked with `code`: the facts of the rules that held go first, then every fact, then
 * every rule but the failing one. Pure; the explanation itself is not changed.
 */
export function boundExplanation<E extends { readonly rules: readonly { readonly rule: string; readonly outcome: string; readonly facts?: unknown }[] }>(
  explanation: E,
  code: ExplanationCutCode,
  maxBytes = MAX_EXPLANATION_BYTES,
): string {
  const whole = JSON.stringify(explanation);
  if (whole.length <= maxBytes / 3 || Buffer.byteLength(whole, 'utf8') <= maxBytes) return whole;
  const keepFailing = (r: E['rules'][number]) => (r.outcome === 'fail' ? r : { rule: r.rule, outcome: r.outcome });
  const bare = (r: E['rules'][number]) => ({ rule: r.rule.slice(0, 32), outcome: r.outcome.slice(0, 8) });
  const attempts = [
    explanation.rules.map(keepFailing),
    explanation.rules.map(bare),
    explanation.rules.filter((r) => r.outcome === 'fail').slice(0, 1).map(bare),
  ];
  for (const rules of attempts) {
    const cut = JSON.stringify({ ...explanation, rules, truncated: code });
    if (Buffer.byteLength(cut, 'utf8') <= maxBytes) return cut;
  }
  // Only an explanation whose top-level fields are themselves oversized gets here (a foreign box).
  const { v, rightsVersion } = explanation as unknown as { v?: unknown; rightsVersion?: unknown };
  return JSON.stringify({ v: typeof v === 'number' ? v : EXPLANATION_VERSION, rightsVersion: typeof rightsVersion === 'number' ? rightsVersion : 0, at: null, tz: null, rules: attempts[2], truncated: code });
}
