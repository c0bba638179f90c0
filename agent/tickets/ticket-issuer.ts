import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { err, ok, type Result } from '../../protocol/core/result.ts';
import { signTicketToken, TICKET_MAX_VALIDITY_MS, type TicketKind } from '../../protocol/access/ticket-token.ts';
import { lastLocalMinute, nextLocalMinute } from '../access/local-time.ts';
import type { Printer, PrintJobState } from '../devices/printer-port.ts';
import type { TicketBook } from './ticket-book.ts';
import type { TicketKey } from './ticket-key.ts';

export type TicketErrorCode = 'TICKET_NO_PRINTER' | 'TICKET_GUESTS_DISABLED' | 'TICKET_GUEST_LIMIT' | 'TICKET_PRINT_FAILED';
/** A coded refusal; the pages word it (agent/local-ui/errors.ts). */
export interface TicketError {
  readonly code: TicketErrorCode;
  readonly detail?: string;
}

export interface TicketRequest {
  readonly kind: TicketKind;
  readonly zoneIds: readonly string[];
  readonly holder: string;
  /** Guest pass: the member who prints it (limited per day). */
  readonly memberId?: string;
  /** Day pass: the desk operator who sold it. */
  readonly operator?: string;
}

export interface Printed {
  readonly ticketId: string;
  readonly jobId: string;
  readonly validTo: number;
  readonly state: PrintJobState;
}

export interface TicketIssuerOptions {
  readonly key: TicketKey;
  readonly book: TicketBook;
  readonly printer: Printer | undefined;
  readonly clock: Clock;
  readonly clubName: () => string;
  /** Time zone of a zone (its day ends at local midnight); undefined when the rights do not know it. */
  readonly timeZoneOf: (zoneId: string) => string | undefined;
  readonly guestPassesPerDay: number;
}

/** Another box may run a little behind: a ticket is good from a few minutes before it was printed. */
const CLOCK_SLACK_MS = 5 * 60_000;
/** A ticket printed late in the evening still lasts this long past midnight. */
const MIN_VALIDITY_MS = 2 * 3600_000;

/**
 * Prints day and guest passes: a ticket signed with the box's own key (any box of the club
 * verifies it offline once the fleet has published the key; this box at once), valid until
 * the end of the zone's local day (at least two hours), recorded in the ticket book before
 * it is printed.
 */
export class TicketIssuer {
  constructor(private readonly o: TicketIssuerOptions) {}

  /** Tickets printed at or after `since`, per kind (the desk's figures). */
  countSince(since: number): Record<TicketKind, number> {
    return this.o.book.countSince(since);
  }

  async issue(r: TicketRequest): Promise<Result<Printed, TicketError>> {
    const { printer, clock, book } = this.o;
    if (!printer) return err({ code: 'TICKET_NO_PRINTER' });
    if (r.memberId !== undefined && this.o.guestPassesPerDay === 0) return err({ code: 'TICKET_GUESTS_DISABLED' });
    const now = clock.now();
    const timeZone = this.o.timeZoneOf(r.zoneIds[0] ?? '') ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (r.memberId !== undefined && book.countForMember(r.memberId, lastLocalMinute(now, timeZone, 0) ?? now - 86_400_000) >= this.o.guestPassesPerDay) return err({ code: 'TICKET_GUEST_LIMIT' });
    const validFrom = now - CLOCK_SLACK_MS;
    const endOfDay = nextLocalMinute(now, timeZone, 0) ?? now + 12 * 3600_000;
    const validTo = Math.min(Math.max(endOfDay, now + MIN_VALIDITY_MS), validFrom + TICKET_MAX_VALIDITY_MS);
    const id = randomBytes(12).toString('base64url');
    const jobId = randomUUID();
    const qrPayload = signTicketToken({ kind: r.kind, zoneIds: r.zoneIds, validFrom, validTo, nonce: id }, this.o.key.keyId, this.o.key.privateKey);
    book.record({ id, kind: r.kind, zoneIds: r.zoneIds, validFrom, validTo, issuedAt: now, holder: r.holder, memberId: r.memberId ?? null, operator: r.operator ?? null, jobId });
    try {
      // Printed as the last minute it is good for ("23:59"), not the first it is not ("00:00" the next day).
      await printer.enqueue({ kind: 'day-pass', jobId, clubName: this.o.clubName(), holder: r.holder.slice(0, 40), validUntil: validTo - 60_000, qrPayload });
    } catch (e) {
      return err({ code: 'TICKET_PRINT_FAILED', detail: (e as Error).message });
    }
    return ok({ ticketId: id, jobId, validTo, state: printer.jobState(jobId) ?? 'queued' });
  }
}
