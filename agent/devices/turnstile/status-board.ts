import type { Clock } from '../../../platform/clock.ts';
import type { DeviceState, DeviceStatus } from '../device.ts';

type Detail = Record<string, string | number | boolean | null>;

/** The turnstile's DeviceStatus and its listeners; notifies only when something changed. */
export class StatusBoard {
  private state: DeviceState = 'starting';
  private since: number;
  private lastError: DeviceStatus['lastError'];
  private detail: Detail = {};
  private lastNotified = '';
  private readonly listeners = new Set<(s: DeviceStatus) => void>();

  constructor(
    private readonly deviceId: string,
    private readonly clock: Clock,
  ) {
    this.since = clock.now();
  }

  snapshot(): DeviceStatus {
    return { deviceId: this.deviceId, kind: 'turnstile', state: this.state, since: this.since, ...(this.lastError ? { lastError: this.lastError } : {}), detail: { ...this.detail } };
  }

  update(state: DeviceState, detail: Detail): void {
    if (state !== this.state) {
      this.state = state;
      this.since = this.clock.now();
    }
    this.detail = { ...this.detail, ...detail };
    this.notify();
  }

  error(code: string, message: string): void {
    this.lastError = { code, message, at: this.clock.now() };
    this.notify();
  }

  get current(): DeviceState {
    return this.state;
  }

  subscribe(listener: (s: DeviceStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    const s = this.snapshot();
    const key = JSON.stringify({ ...s, since: undefined });
    if (key === this.lastNotified) return;
    this.lastNotified = key;
    for (const l of [...this.listeners]) l(s);
  }
}
