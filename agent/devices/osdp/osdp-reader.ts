import type { DeviceState, DeviceStatus } from '../device.ts';
import type { CredentialPresented, Reader, ReaderFeedback } from '../reader.ts';

/** What an OsdpReader needs from the control panel that drives its bus. */
export interface OsdpBusPort {
  /** The bus runs while at least one of its readers is started. */
  startReader(readerId: string): Promise<void>;
  stopReader(readerId: string): Promise<void>;
  feedback(readerId: string, signal: ReaderFeedback): Promise<void>;
}

type StatusFields = Pick<DeviceStatus, 'state' | 'lastError' | 'detail'>;

/**
 * One OSDP reader as the lane logic sees it (agent/devices/reader.ts). Several of these
 * share one control panel and one RS-485 bus; the control panel pushes status and
 * credentials in, the lane pulls feedback out.
 */
export class OsdpReader implements Reader {
  readonly kind = 'reader' as const;
  private current: DeviceStatus;
  private readonly statusListeners = new Set<(s: DeviceStatus) => void>();
  private readonly credentialListeners = new Set<(e: CredentialPresented) => void>();

  constructor(
    readonly id: string,
    private readonly bus: OsdpBusPort,
    now: number,
  ) {
    this.current = { deviceId: id, kind: 'reader', state: 'starting', since: now };
  }

  start(): Promise<void> {
    return this.bus.startReader(this.id);
  }

  stop(): Promise<void> {
    return this.bus.stopReader(this.id);
  }

  status(): DeviceStatus {
    return this.current;
  }

  onStatus(listener: (status: DeviceStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onCredential(listener: (event: CredentialPresented) => void): () => void {
    this.credentialListeners.add(listener);
    return () => this.credentialListeners.delete(listener);
  }

  /** Rejects with an OsdpReaderError when the reader is offline or not ready, or refuses a command. */
  feedback(signal: ReaderFeedback): Promise<void> {
    return this.bus.feedback(this.id, signal);
  }

  /** Called by the control panel; emits only real changes (a repeated error with the same code is none). */
  updateStatus(next: StatusFields, now: number): void {
    const state: DeviceState = next.state;
    const changed =
      state !== this.current.state || JSON.stringify(next.detail) !== JSON.stringify(this.current.detail) || next.lastError?.code !== this.current.lastError?.code;
    if (!changed) return;
    this.current = {
      deviceId: this.id,
      kind: 'reader',
      state,
      since: state === this.current.state ? this.current.since : now,
      ...(next.lastError ? { lastError: next.lastError } : {}),
      ...(next.detail ? { detail: next.detail } : {}),
    };
    for (const l of [...this.statusListeners]) l(this.current);
  }

  emitCredential(event: CredentialPresented): void {
    for (const l of [...this.credentialListeners]) l(event);
  }
}
