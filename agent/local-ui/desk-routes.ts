import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RightsView } from '../access/index.ts';
import { REASON_LABELS_FR } from '../access/index.ts';
import type { Device, DeviceStatus } from '../devices/device.ts';
import type { Pass } from '../journal/pass-record.ts';
import type { LaneSet } from '../lanes/lane-set.ts';
import type { DeskAuth } from './desk-auth.ts';
import { cookie, readJson, sendError, sendJson, textField } from './http-util.ts';
import { SseChannel } from './sse.ts';

export interface DeskBox {
  readonly boxId: string;
  readonly boxName: string;
  readonly lanes: LaneSet;
  readonly laneSpecs: readonly { readonly id: string; readonly zone: string; readonly kind: string }[];
  readonly devices: ReadonlyMap<string, Device>;
  readonly journal: { readAfter(afterSeq: number, limit: number): Pass[]; stats(): { readonly lastSeq: number } };
  readonly rights: { view(): RightsView };
}

export const SESSION_COOKIE = 'resabox_desk';

/** A journal row as the front desk shows it: the reason in words, the member's name. */
export type DeskPass = Pass & { readonly label: string; readonly memberName: string | null };

/**
 * The front desk: live passes (the journal, tailed while a screen is open), occupancy per
 * zone, device status, and the manual open. Everything needs a desk session.
 */
export class DeskRoutes {
  private readonly channel = new SseChannel();
  private lastSeq = 0;
  private readonly tail: NodeJS.Timeout;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly box: DeskBox,
    private readonly auth: DeskAuth,
    tailMs = 300,
  ) {
    this.lastSeq = box.journal.stats().lastSeq;
    this.tail = setInterval(() => this.pollJournal(), tailMs);
    this.tail.unref();
    for (const d of box.devices.values()) this.unsubscribe.push(d.onStatus((s) => this.channel.send('device', s)));
  }

  close(): void {
    clearInterval(this.tail);
    for (const u of this.unsubscribe.splice(0)) u();
    this.channel.close();
  }

  /** Handles /api/desk/*; false when the path is not one of them. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (path === '/api/desk/login' && req.method === 'POST') return this.login(req, res).then(() => true);
    if (!path.startsWith('/api/desk/')) return false;
    const token = cookie(req, SESSION_COOKIE);
    const operator = this.auth.operatorOf(token);
    if (!operator) {
      sendError(res, 401, 'DESK_SESSION_REQUIRED', 'Connectez-vous avec le code PIN du bureau.');
      return true;
    }
    if (path === '/api/desk/state' && req.method === 'GET') sendJson(res, 200, this.state(operator));
    else if (path === '/api/desk/events' && req.method === 'GET') this.channel.attach(res, [{ event: 'state', data: this.state(operator) }]);
    else if (path === '/api/desk/open' && req.method === 'POST') await this.open(req, res, operator);
    else if (path === '/api/desk/logout' && req.method === 'POST') {
      this.auth.logout(token);
      sendJson(res, 200, { ok: true }, { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` });
    } else sendError(res, 404, 'UI_NOT_FOUND', `no ${req.method} ${path}`);
    return true;
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    if (!body.ok) return sendError(res, body.status, body.code, body.message);
    const pin = textField(body.value, 'pin', 64);
    const operator = textField(body.value, 'operator', 120);
    if (!pin || !operator) return sendError(res, 400, 'UI_BAD_REQUEST', 'Indiquez votre nom et le code PIN.');
    const result = this.auth.login(pin, operator, req.socket.remoteAddress ?? 'unknown');
    if (!result.ok) {
      const status = result.error.code === 'DESK_LOCKED_OUT' ? 429 : result.error.code === 'DESK_PIN_NOT_CONFIGURED' ? 503 : 401;
      return sendError(res, status, result.error.code, result.error.message, result.error.retryAfterS ? { 'retry-after': String(result.error.retryAfterS) } : {});
    }
    sendJson(res, 200, { operator }, { 'set-cookie': `${SESSION_COOKIE}=${result.token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${12 * 3600}` });
  }

  private async open(req: IncomingMessage, res: ServerResponse, operator: string): Promise<void> {
    const body = await readJson(req);
    if (!body.ok) return sendError(res, body.status, body.code, body.message);
    const laneId = textField(body.value, 'laneId', 64);
    const reason = textField(body.value, 'reason', 200);
    const direction = body.value.direction ?? undefined;
    if (!laneId || !this.box.laneSpecs.some((l) => l.id === laneId)) return sendError(res, 400, 'UI_BAD_REQUEST', 'Choisissez une voie de ce boîtier.');
    if (!reason) return sendError(res, 400, 'UI_BAD_REQUEST', 'Indiquez la raison de l’ouverture (1 à 200 caractères).');
    if (direction !== undefined && direction !== 'in' && direction !== 'out') return sendError(res, 400, 'UI_BAD_REQUEST', 'Sens : in ou out.');
    const result = await this.box.lanes.manualOpen(laneId, operator, reason, direction);
    if (result.kind === 'busy') return sendError(res, 409, 'DESK_LANE_BUSY', 'Un passage est en cours sur cette voie : réessayez dans un instant.');
    this.pollJournal();
    sendJson(res, 200, { pass: this.present(result.pass) });
  }

  private state(operator: string) {
    const zones = [...new Set(this.box.laneSpecs.map((l) => l.zone))];
    return {
      operator,
      box: { id: this.box.boxId, name: this.box.boxName },
      lanes: this.box.laneSpecs.map((l) => ({ ...l, phase: this.box.lanes.lane(l.id).phase })),
      occupancy: Object.fromEntries(zones.map((z) => [z, this.box.lanes.occupancy(z)])),
      devices: [...this.box.devices.values()].map((d): DeviceStatus => d.status()),
      passes: this.latest(50).map((p) => this.present(p)),
    };
  }

  /** The newest `n` journal rows, newest first (seq has gaps only where rows were pruned). */
  private latest(n: number): Pass[] {
    return this.box.journal.readAfter(Math.max(0, this.box.journal.stats().lastSeq - n), n).reverse();
  }

  private pollJournal(): void {
    if (this.channel.size === 0) {
      this.lastSeq = this.box.journal.stats().lastSeq;
      return;
    }
    const rows = this.box.journal.readAfter(this.lastSeq, 200);
    if (rows.length === 0) return;
    this.lastSeq = rows.at(-1)?.seq ?? this.lastSeq;
    for (const p of rows) this.channel.send('pass', this.present(p));
    const zones = [...new Set(this.box.laneSpecs.map((l) => l.zone))];
    this.channel.send('occupancy', Object.fromEntries(zones.map((z) => [z, this.box.lanes.occupancy(z)])));
  }

  private present(p: Pass): DeskPass {
    const member = p.memberId ? this.box.rights.view().member(p.memberId) : undefined;
    return { ...p, label: REASON_LABELS_FR[p.reason], memberName: member?.displayName ?? null };
  }
}
