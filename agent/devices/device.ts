/**
 * What every device driver has in common (types only): a status that the health report
 * carries, and a start/stop lifecycle driven by the composition root.
 */
export type DeviceKind = 'reader' | 'turnstile' | 'printer';
export type DeviceState = 'starting' | 'online' | 'degraded' | 'offline';

export interface DeviceStatus {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly state: DeviceState;
  /** Wall-clock ms since the device is in this state. */
  readonly since: number;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: number };
  /** Kind-specific facts for the dashboard (e.g. printer paper, reader firmware, secure channel). */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/** The answer to one status request sent now (the box doctor, agent/box/doctor.ts). */
export interface DeviceProbe {
  /** The device replied (a reply reporting a condition, such as paper out, is an answer). */
  readonly answered: boolean;
  /** A driver error code: the condition reported, or why there was no answer. */
  readonly code?: string;
  readonly message?: string;
}

export interface Device {
  readonly id: string;
  readonly kind: DeviceKind;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): DeviceStatus;
  /** Called on every status change (state, error, detail). Returns the unsubscribe function. */
  onStatus(listener: (status: DeviceStatus) => void): () => void;
  /**
   * Asks the device for its status now, behind whatever exchange is on its line. Drivers of
   * devices that can be asked (printer, turnstile module) have it; passive readers do not.
   */
  probe?(): Promise<DeviceProbe>;
}
