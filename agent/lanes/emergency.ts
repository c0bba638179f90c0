/**
 * The box-wide emergency mode. Fire alarm wins over lock-down: people must be able to
 * get out whatever staff pressed. Fire alarm is active while any source reports it (a
 * turnstile's fire loop, or the front desk); lock-down is a front-desk switch.
 */
export type EmergencyMode = 'normal' | 'fire-alarm' | 'lockdown';

export interface EmergencyChange {
  readonly mode: EmergencyMode;
  readonly previous: EmergencyMode;
  /** What moved the switch: "turnstile:<id>" or "front-desk". */
  readonly source: string;
  readonly operator: string | null;
}

export class EmergencyState {
  private readonly fireSources = new Set<string>();
  private lockdown = false;
  private readonly listeners = new Set<(change: EmergencyChange) => void>();

  mode(): EmergencyMode {
    if (this.fireSources.size > 0) return 'fire-alarm';
    return this.lockdown ? 'lockdown' : 'normal';
  }

  setFireAlarm(source: string, active: boolean, operator: string | null = null): void {
    this.change(source, operator, () => (active ? this.fireSources.add(source) : this.fireSources.delete(source)));
  }

  setLockdown(on: boolean, operator: string | null): void {
    this.change('front-desk', operator, () => (this.lockdown = on));
  }

  /** Called on every mode change; returns the unsubscribe function. */
  onChange(listener: (change: EmergencyChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private change(source: string, operator: string | null, apply: () => void): void {
    const previous = this.mode();
    apply();
    const mode = this.mode();
    if (mode === previous) return;
    for (const l of [...this.listeners]) l({ mode, previous, source, operator });
  }
}
