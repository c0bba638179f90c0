import type { Clock } from '../../../platform/clock.ts';
import type { DeviceKind, DeviceState, DeviceStatus } from '../device.ts';

type Detail = Record<string, string | number | boolean | null>;

/** Holds a device's status and tells listeners about every change (what the health report carries). */
export class DeviceStatusTracker {
  private current: DeviceStatus;
  private listeners = new Set<(status: DeviceStatus) => void>();

  constructor(
    deviceId: string,
    kind: DeviceKind,
    private readonly clock: Clock,
    detail: Detail = {},
  ) {
    this.current = { deviceId, kind, state: 'offline', since: clock.now(), detail };
  }

  status(): DeviceStatus {
    return this.current;
  }

  onStatus(listener: (status: DeviceStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setState(state: DeviceState): void {
    if (state === this.current.state) return;
    this.update({ ...this.current, state, since: this.clock.now() });
  }

  /** Records an error; `state` (if given) changes at the same time, in one notification. */
  recordError(code: string, message: string, state?: DeviceState): void {
    const moved = state !== undefined && state !== this.current.state;
    this.update({ ...this.current, ...(moved ? { state, since: this.clock.now() } : {}), lastError: { code, message, at: this.clock.now() } });
  }

  setDetail(patch: Detail): void {
    this.update({ ...this.current, detail: { ...this.current.detail, ...patch } });
  }

  private update(next: DeviceStatus): void {
    this.current = next;
    for (const l of [...this.listeners]) l(next);
  }
}
