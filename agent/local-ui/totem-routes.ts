import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../platform/clock.ts';
import type { TicketIssuer } from '../tickets/ticket-issuer.ts';
import { readJson, sendError, sendJson } from './http-util.ts';
import { SseChannel } from './sse.ts';
import type { TotemFeed, TotemMessage } from './totem-feed.ts';

export interface TotemOptions {
  readonly feed: TotemFeed;
  /** The lanes this totem stands by, and their zones. */
  readonly lanes: ReadonlyMap<string, string>;
  readonly tickets: TicketIssuer;
  readonly printer: boolean;
  readonly guestPasses: boolean;
  /** The club's name as the rights last named it. */
  readonly clubName: () => string;
  readonly clock: Clock;
}

/**
 * The totem's API: the decisions of its own lanes only, entries only (a member's welcome is
 * never replaced by an exit or another lane's refusal), the club's name, and the guest
 * pass a welcomed member may print.
 */
export class TotemRoutes {
  private readonly channel = new SseChannel();
  private readonly printed = new Set<number>();
  private readonly unsubscribe: () => void;
  private readonly clubTimer: NodeJS.Timeout;
  private club: string;

  constructor(private readonly o: TotemOptions) {
    this.club = o.clubName();
    this.unsubscribe = o.feed.onMessage((m) => {
      if (this.shows(m)) this.channel.send('presentation', m);
    });
    // The rights may name the club (or rename it) after the page connected.
    this.clubTimer = setInterval(() => {
      const club = o.clubName();
      if (club !== this.club) this.channel.send('club', { club: (this.club = club) });
    }, 5000);
    this.clubTimer.unref();
  }

  shows(m: TotemMessage): boolean {
    return m.direction === 'in' && this.o.lanes.has(m.laneId);
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.clubTimer);
    this.channel.close();
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /api/totem/events') {
      this.channel.attach(res, [{ event: 'hello', data: { club: this.club, printer: this.o.printer, guestPasses: this.o.printer && this.o.guestPasses } }]);
      return true;
    }
    if (route === 'POST /api/totem/guest-pass') {
      await this.guestPass(req, res);
      return true;
    }
    return false;
  }

  private async guestPass(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    if (!body.ok) return sendError(res, body.error);
    const id = body.value.presentationId;
    const welcome = typeof id === 'number' ? this.o.feed.welcome(id, this.o.clock.now()) : undefined;
    if (!welcome || !this.shows(welcome)) return sendError(res, 'TOTEM_NOTHING_TO_PRINT');
    if (this.printed.has(welcome.id)) return sendError(res, 'TOTEM_NO_GUEST_PASS');
    const zone = this.o.lanes.get(welcome.laneId) as string;
    const printed = await this.o.tickets.issue({ kind: 'guest', zoneIds: [zone], holder: `Invité de ${shortName(welcome.name)}`, memberId: welcome.memberId });
    if (!printed.ok) return sendError(res, printed.error.code);
    this.printed.add(welcome.id);
    sendJson(res, 202, { validTo: printed.value.validTo, state: printed.value.state });
  }
}

/** "Camille Martin" -> "Camille M.": enough for the desk, no more on a ticket left about. */
function shortName(name: string): string {
  const [first, ...rest] = name.trim().split(/\s+/);
  const last = rest.at(-1);
  return last ? `${first} ${last.charAt(0)}.` : (first ?? '');
}
