import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../platform/clock.ts';
import type { DeskAuth } from './desk-auth.ts';
import { DeskPresenter, type PageBox } from './desk-state.ts';
import { cookie, readJson, sendError, sendJson, textField } from './http-util.ts';
import { searchMembers } from './member-lookup.ts';
import { SseChannel } from './sse.ts';

/**
 * The desk session cookie of a box. Named per box: cookies ignore the port, so the desks of
 * two boxes opened in one browser on one host (the demo, a technician's laptop) would
 * otherwise sign each other out.
 */
export const sessionCookie = (boxId: string): string => `resabox_desk_${boxId}`;
const SESSION_HEADER = `Path=/; HttpOnly; SameSite=Strict`;

/**
 * The front desk's API: live passes (the journal, tailed while a screen is open), occupancy
 * and today's figures, device status, member lookup in the box's own rights, manual open
 * (tied to a member or not), occupancy correction, day passes. Everything needs a desk
 * session; every answer is French, ready to show.
 */
export class DeskRoutes {
  private readonly channel = new SseChannel();
  private readonly presenter: DeskPresenter;
  private lastSeq = 0;
  private readonly tail: NodeJS.Timeout;
  private readonly refresh: NodeJS.Timeout;
  /** The occupancy and figures the screens show now (JSON), to send only what changed. */
  private shown = '';
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly box: PageBox,
    private readonly auth: DeskAuth,
    private readonly clock: Clock,
    tailMs = 300,
    refreshMs = 30_000,
  ) {
    this.presenter = new DeskPresenter(box);
    this.lastSeq = box.journal.stats().lastSeq;
    this.tail = setInterval(() => this.pollJournal(), tailMs);
    this.tail.unref();
    // Without a pass the figures still change: a stay reaches its maximum, the day and the
    // occupancy reset turn at night. A desk left open must not show yesterday's club.
    this.refresh = setInterval(() => this.sendFigures(false), refreshMs);
    this.refresh.unref();
    for (const d of box.devices.values()) this.unsubscribe.push(d.onStatus(() => this.channel.send('device', this.presenter.device(d))));
    // The club's other boxes' passages change the figure without a pass in this box's journal.
    this.unsubscribe.push(box.lanes.onRelayed(() => this.sendFigures(false)));
  }

  close(): void {
    clearInterval(this.tail);
    clearInterval(this.refresh);
    for (const u of this.unsubscribe.splice(0)) u();
    this.channel.close();
  }

  /** Handles /api/desk/*; false when the path is not one of them. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (!path.startsWith('/api/desk/')) return false;
    const route = `${req.method} ${path}`;
    if (route === 'POST /api/desk/login') return this.login(req, res).then(() => true);
    const token = cookie(req, sessionCookie(this.box.boxId));
    const operator = this.auth.operatorOf(token);
    if (!operator) {
      sendError(res, 'DESK_SESSION_REQUIRED');
      return true;
    }
    const member = /^\/api\/desk\/members\/([^/]+)$/.exec(path);
    if (route === 'GET /api/desk/state') sendJson(res, 200, this.presenter.state(operator, this.clock.now()));
    else if (route === 'GET /api/desk/events') this.channel.attach(res, [{ event: 'state', data: this.presenter.state(operator, this.clock.now()) }]);
    else if (route === 'GET /api/desk/members') this.search(res, url.searchParams.get('q') ?? '');
    else if (req.method === 'GET' && member) this.memberCard(res, member[1] as string);
    else if (route === 'POST /api/desk/open') await this.open(req, res, operator);
    else if (route === 'POST /api/desk/occupancy') await this.correct(req, res, operator);
    else if (route === 'POST /api/desk/day-pass') await this.dayPass(req, res, operator);
    else if (route === 'POST /api/desk/logout') {
      this.auth.logout(token);
      sendJson(res, 200, { ok: true }, { 'set-cookie': `${sessionCookie(this.box.boxId)}=; ${SESSION_HEADER}; Max-Age=0` });
    } else return false;
    return true;
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    if (!body.ok) return sendError(res, body.error);
    const pin = textField(body.value, 'pin', 64);
    const operator = textField(body.value, 'operator', 120);
    if (!pin || !operator) return sendError(res, 'DESK_LOGIN_INCOMPLETE');
    const result = this.auth.login(pin, operator, req.socket.remoteAddress ?? 'unknown');
    if (!result.ok) return sendError(res, result.error.code, result.error.retryAfterS ? { 'retry-after': String(result.error.retryAfterS) } : {});
    sendJson(res, 200, { operator }, { 'set-cookie': `${sessionCookie(this.box.boxId)}=${result.token}; ${SESSION_HEADER}; Max-Age=${12 * 3600}` });
  }

  private search(res: ServerResponse, q: string): void {
    if (q.trim().length < 2 || q.length > 120) return sendError(res, 'DESK_QUERY_INVALID');
    sendJson(res, 200, { members: searchMembers(this.box.rights.view(), q) });
  }

  private memberCard(res: ServerResponse, encodedId: string): void {
    let id: string;
    try {
      id = decodeURIComponent(encodedId);
    } catch {
      return sendError(res, 'DESK_MEMBER_UNKNOWN');
    }
    const card = this.presenter.member(id, this.clock.now());
    if (!card) return sendError(res, 'DESK_MEMBER_UNKNOWN');
    sendJson(res, 200, card);
  }

  private async open(req: IncomingMessage, res: ServerResponse, operator: string): Promise<void> {
    const body = await readJson(req);
    if (!body.ok) return sendError(res, body.error);
    const laneId = textField(body.value, 'laneId', 64);
    const reason = textField(body.value, 'reason', 200);
    const direction = body.value.direction ?? undefined;
    const memberId = body.value.memberId ?? undefined;
    if (!laneId || !this.box.laneSpecs.some((l) => l.id === laneId)) return sendError(res, 'DESK_LANE_UNKNOWN');
    if (!reason) return sendError(res, 'DESK_REASON_REQUIRED');
    if (direction !== undefined && direction !== 'in' && direction !== 'out') return sendError(res, 'DESK_DIRECTION_INVALID');
    if (memberId !== undefined && (typeof memberId !== 'string' || this.box.rights.view().member(memberId) === undefined)) return sendError(res, 'DESK_MEMBER_UNKNOWN');
    const result = await this.box.lanes.manualOpen(laneId, operator, reason, direction, memberId);
    if (result.kind === 'busy') return sendError(res, 'DESK_LANE_BUSY');
    this.pollJournal();
    sendJson(res, 200, { pass: this.presenter.pass(result.pass) });
  }

  private async correct(req: IncomingMessage, res: ServerResponse, operator: string): Promise<void> {
    const body = await readJson(req);
    if (!body.ok) return sendError(res, body.error);
    const zoneId = textField(body.value, 'zoneId', 64);
    const reason = textField(body.value, 'reason', 200);
    const count = body.value.count;
    if (!zoneId || !this.presenter.isZone(zoneId)) return sendError(res, 'DESK_ZONE_UNKNOWN');
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 10_000) return sendError(res, 'DESK_COUNT_INVALID');
    if (!reason) return sendError(res, 'DESK_REASON_REQUIRED');
    this.box.lanes.correctOccupancy(zoneId, count, operator, reason);
    this.sendFigures(true);
    sendJson(res, 200, { zones: this.presenter.zones() });
  }

  private async dayPass(req: IncomingMessage, res: ServerResponse, operator: string): Promise<void> {
    const body = await readJson(req);
    if (!body.ok) return sendError(res, body.error);
    const zoneId = textField(body.value, 'zoneId', 64) ?? this.box.laneSpecs[0]?.zone;
    if (!zoneId || !this.presenter.isZone(zoneId)) return sendError(res, 'DESK_ZONE_UNKNOWN');
    const holder = textField(body.value, 'holder', 40) ?? 'Visiteur';
    const printed = await this.box.tickets.issue({ kind: 'day', zoneIds: [zoneId], holder, operator });
    if (!printed.ok) return sendError(res, printed.error.code);
    this.sendFigures(true);
    sendJson(res, 202, { validTo: printed.value.validTo, state: printed.value.state });
  }

  private pollJournal(): void {
    if (this.channel.size === 0) {
      this.lastSeq = this.box.journal.stats().lastSeq;
      return;
    }
    const rows = this.box.journal.readAfter(this.lastSeq, 200);
    if (rows.length === 0) return;
    this.lastSeq = rows.at(-1)?.seq ?? this.lastSeq;
    for (const p of rows) this.channel.send('pass', this.presenter.pass(p));
    this.sendFigures(true);
  }

  /** Occupancy and today's figures to the open screens: `always`, or when they changed. */
  private sendFigures(always: boolean): void {
    if (this.channel.size === 0) return;
    const zones = this.presenter.zones();
    const figures = this.presenter.figures(this.clock.now());
    const shown = JSON.stringify([zones, figures]);
    if (!always && shown === this.shown) return;
    this.shown = shown;
    this.channel.send('zones', zones);
    this.channel.send('figures', figures);
  }
}
