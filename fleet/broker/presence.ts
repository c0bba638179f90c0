import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { BoxRepository } from '../store/repositories.ts';

/** The boxes' MQTT keepalive (agent/uplink/connection.ts) and health period, both 30 s. */
export const DEFAULT_BOX_KEEPALIVE_MS = 30_000;

export interface PresenceOptions {
  readonly boxes: Pick<BoxRepository, 'list' | 'setOnline'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * How long after the fleet's link to the broker comes up a box has to prove it is there
   * (default 1.5 keepalives: the broker publishes a vanished box's last will by then).
   */
  readonly graceMs?: number;
  /** Embedded broker: the boxes connected right now. Absent for an external broker, which cannot tell. */
  readonly connectedNow?: () => ReadonlySet<string>;
  /** A box was marked offline here (the alert engine re-evaluates it). */
  readonly onOffline?: (boxId: string) => void;
  /** The grace is over (the alert engine evaluates every box now rather than at its next tick). */
  readonly onSettled?: () => void;
  /**
   * Several fleet instances share the boxes' messages: a box may be heard by another
   * instance, which records it in the store (lastSeenAt), and one instance's broker link
   * says nothing about the boxes. Then only the singleton holder reconciles (linkUp starts
   * the grace without marking anyone offline), and a box counts as heard when the store
   * saw it since the grace began.
   */
  readonly sharedHearing?: boolean;
}

/**
 * What the fleet may claim about who is online. The store's `online` flag comes from the
 * boxes' retained `state` messages and last wills; this class corrects it where those
 * cannot be trusted:
 * - when the fleet (re)gains its link to the broker, every box the store believes online
 *   and the broker does not hold now is marked offline (embedded: the broker's clients;
 *   external: all of them, until a retained `online` state is replayed);
 * - after a grace of 1.5 keepalives, a box still marked online that sent no live health
 *   since the link came up is marked offline: its retained `online` outlived it (a
 *   broker restart loses the session whose will would have said so);
 * - while the link is down, nobody is known to be online.
 * Until the grace is over, `settled()` is false: "box offline" alerts wait, so a fleet
 * restart does not page for boxes that are reconnecting.
 */
export class Presence {
  private readonly graceMs: number;
  private epoch: number | null = null;
  private settledAt: number | null = null;
  private heard = new Set<string>();
  private timer: TimerHandle | undefined;

  constructor(private readonly o: PresenceOptions) {
    this.graceMs = o.graceMs ?? Math.round(1.5 * DEFAULT_BOX_KEEPALIVE_MS);
  }

  /** The fleet's link to the broker is up (fleet start, or an external broker back). Call before ingest subscribes. */
  async linkUp(): Promise<void> {
    this.epoch = this.o.clock.now();
    this.settledAt = null;
    this.heard = new Set();
    const connected = this.o.connectedNow?.() ?? new Set<string>();
    const stale = this.o.sharedHearing ? [] : await this.markOffline((box) => !connected.has(box.id));
    if (stale.length > 0) this.o.logger.info({ boxes: stale.length, code: 'PRESENCE_RECONCILED' }, 'boxes not connected now marked offline');
    this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => void this.check(), this.graceMs);
  }

  /** The link is lost: no box can be seen, so none is claimed online. */
  async linkDown(): Promise<void> {
    this.epoch = null;
    this.settledAt = null;
    this.o.clock.clearTimeout(this.timer);
    if (!this.o.sharedHearing) await this.markOffline(() => true);
  }

  /**
   * A live health report from the box. Health is QoS 0, which a broker does not keep for an
   * absent fleet, so it proves the box is connected now (unlike a retained or queued
   * message): the box is shown online again if it was not.
   */
  async heardFrom(boxId: string): Promise<void> {
    if (this.epoch === null && !this.o.sharedHearing) return;
    if (this.o.connectedNow && !this.o.connectedNow().has(boxId)) return;
    this.heard.add(boxId);
    await this.o.boxes.setOnline(boxId, true, this.o.clock.now());
  }

  /** The embedded broker lost the box's last connection. */
  async disconnected(boxId: string): Promise<void> {
    if (await this.o.boxes.setOnline(boxId, false, this.o.clock.now())) this.o.onOffline?.(boxId);
  }

  /** True once the grace after the last link-up is over: an offline box is then really offline. */
  settled(): boolean {
    return this.settledAt !== null;
  }

  stop(): void {
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    const epoch = this.epoch ?? this.o.clock.now();
    const heardElsewhere = (box: { lastSeenAt: number | null }) => this.o.sharedHearing === true && (box.lastSeenAt ?? 0) >= epoch;
    const silent = await this.markOffline((box) => !this.heard.has(box.id) && !heardElsewhere(box) && !(this.o.connectedNow?.().has(box.id) ?? false));
    if (silent.length > 0) this.o.logger.warn({ boxes: silent, code: 'PRESENCE_SILENT' }, 'boxes shown online sent nothing live since the broker link came up: marked offline');
    this.settledAt = this.o.clock.now();
    this.heard = new Set();
    this.o.onSettled?.();
  }

  /** Offline since it was last heard of: that is when it was last known connected. */
  private async markOffline(which: (box: { id: string; lastSeenAt: number | null }) => boolean): Promise<string[]> {
    const marked: string[] = [];
    for (const box of await this.o.boxes.list({ status: 'active' })) {
      if (box.online && which(box) && (await this.o.boxes.setOnline(box.id, false, box.lastSeenAt ?? this.o.clock.now()))) marked.push(box.id);
    }
    for (const id of marked) this.o.onOffline?.(id);
    return marked;
  }
}
