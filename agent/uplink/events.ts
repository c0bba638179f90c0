import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { Device, DeviceStatus } from '../devices/device.ts';
import type { Turnstile, TurnstileEvent } from '../devices/turnstile-port.ts';
import type { JournalAlert } from '../journal/storage-bound.ts';
import type { EventKind, EventMessage } from '../../protocol/mqtt/index.ts';

type Severity = EventMessage['severity'];
export type BoxEvent = Omit<EventMessage, 'v' | 'eventId' | 'ts'> & { readonly kind: EventKind };

/**
 * Events as they happen: device state changes (online, degraded, offline), printer paper
 * and cover, forced passages and fire alarms from the turnstiles, journal storage alerts,
 * and whatever else the agent reports (`emit`). Each gets a unique `eventId` (the fleet
 * drops redeliveries) and goes to `send`; while offline the uplink keeps a bounded queue.
 */
export class EventSource {
  private readonly unsubscribe: (() => void)[] = [];
  private readonly lastState = new Map<string, DeviceStatus>();

  constructor(
    private readonly clock: Clock,
    private readonly send: (e: EventMessage) => void,
  ) {}

  emit(event: BoxEvent): void {
    this.send(this.build(event));
  }

  /** The message of an event, with its id and time, for a caller that sends it its own way. */
  build(event: BoxEvent): EventMessage {
    return { v: 1, eventId: `ev-${randomUUID()}`, ts: this.clock.now(), ...event };
  }

  watchDevices(devices: Iterable<Device>): void {
    for (const device of devices) {
      this.lastState.set(device.id, device.status());
      this.unsubscribe.push(device.onStatus((s) => this.onStatus(s)));
      if (device.kind === 'turnstile') this.unsubscribe.push((device as Turnstile).onEvent((e) => this.onTurnstile(device.id, e)));
    }
  }

  onJournalAlert(alert: JournalAlert): void {
    switch (alert.kind) {
      case 'backlog-near-bound':
        return this.emit({ kind: 'journal.backlog-high', severity: 'warning', message: `${alert.unsent} passes not yet sent (bound ${alert.maxRows})`, data: { unsent: alert.unsent } });
      case 'bound-exceeded-unsent':
        return this.emit({ kind: 'journal.disk-bound', severity: 'critical', message: `journal over its bound with ${alert.unsent} unsent passes (kept, disk grows)`, data: { unsent: alert.unsent, rows: alert.rows } });
      case 'backlog-cleared':
        return this.emit({ kind: 'journal.backlog-high', severity: 'info', message: `backlog back to ${alert.unsent} passes`, data: { unsent: alert.unsent, cleared: true } });
      case 'write-failed':
        return this.emit({ kind: 'journal.disk-bound', severity: 'critical', message: `journal write failed (${alert.code}), ${alert.queued} passes held in memory and retried`, data: { queued: alert.queued } });
    }
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private onStatus(s: DeviceStatus): void {
    const before = this.lastState.get(s.deviceId);
    this.lastState.set(s.deviceId, s);
    if (before?.state !== s.state) {
      const severity: Severity = s.state === 'online' ? 'info' : 'warning';
      if (s.state !== 'starting') {
        const why = s.lastError ? `: ${s.lastError.code} ${s.lastError.message}` : '';
        this.emit({ kind: `device.${s.state}` as EventKind, severity, deviceId: s.deviceId, message: `${s.kind} ${s.deviceId} is ${s.state}${why}`.slice(0, 500) });
      }
    }
    if (s.kind === 'printer') this.onPrinterDetail(before?.detail, s);
  }

  /** Printer drivers report `detail.paper` ('ok' | 'near-end' | 'end') and `detail.coverOpen`. */
  private onPrinterDetail(before: DeviceStatus['detail'], s: DeviceStatus): void {
    const paper = s.detail?.paper;
    if (paper !== undefined && paper !== before?.paper) {
      if (paper === 'end') this.emit({ kind: 'printer.paper-end', severity: 'critical', deviceId: s.deviceId, message: 'Printer out of paper' });
      else if (paper === 'near-end') this.emit({ kind: 'printer.paper-near-end', severity: 'warning', deviceId: s.deviceId, message: 'Printer paper near end' });
      else if (paper === 'ok' && before?.paper !== undefined) this.emit({ kind: 'printer.ok', severity: 'info', deviceId: s.deviceId, message: 'Printer paper ok' });
    }
    const cover = s.detail?.coverOpen;
    if (cover === true && before?.coverOpen !== true) this.emit({ kind: 'printer.cover-open', severity: 'warning', deviceId: s.deviceId, message: 'Printer cover open' });
  }

  private onTurnstile(deviceId: string, e: TurnstileEvent): void {
    switch (e.kind) {
      case 'forced-passage':
        return this.emit({ kind: 'turnstile.forced-passage', severity: 'warning', deviceId, message: `forced passage (${e.direction})`, data: { direction: e.direction } });
      case 'fire-alarm':
        return e.active
          ? this.emit({ kind: 'turnstile.fire-alarm', severity: 'critical', deviceId, message: 'fire alarm: lanes released' })
          : this.emit({ kind: 'turnstile.fire-alarm-cleared', severity: 'info', deviceId, message: 'fire alarm cleared' });
      case 'out-of-service':
        return this.emit({ kind: e.active ? 'lane.out-of-service' : 'lane.in-service', severity: e.active ? 'warning' : 'info', deviceId, message: `turnstile ${e.active ? 'out of' : 'back in'} service${e.reason ? `: ${e.reason}` : ''}`.slice(0, 500) });
    }
  }
}
