import type { Clock } from '../../platform/clock.ts';
import type { DeviceStatus } from '../../agent/devices/device.ts';
import type { Credential, CredentialPresented, Reader, ReaderFeedback } from '../../agent/devices/reader.ts';
import type { Direction, PassageOutcome, Turnstile, TurnstileEvent } from '../../agent/devices/turnstile-port.ts';

/**
 * In-memory stand-ins for the reader and turnstile drivers (used where the real drivers and
 * simulators are not merged yet). They honour the port contracts: feedback resolves (a fake is always ready),
 * open() resolves with one outcome, lock-down refuses opens.
 */
abstract class FakeDevice<K extends 'reader' | 'turnstile'> {
  constructor(
    readonly id: string,
    readonly kind: K,
  ) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  status(): DeviceStatus {
    return { deviceId: this.id, kind: this.kind, state: 'online', since: 0 };
  }
  onStatus(): () => void {
    return () => undefined;
  }
}

export class FakeReader extends FakeDevice<'reader'> implements Reader {
  readonly feedbacks: ReaderFeedback[] = [];
  private listeners = new Set<(e: CredentialPresented) => void>();
  private frameStartListeners = new Set<() => void>();

  constructor(
    id: string,
    private readonly clock: Clock,
  ) {
    super(id, 'reader');
  }

  onCredential(listener: (e: CredentialPresented) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onFrameStart(listener: () => void): () => void {
    this.frameStartListeners.add(listener);
    return () => this.frameStartListeners.delete(listener);
  }

  async feedback(signal: ReaderFeedback): Promise<void> {
    this.feedbacks.push(signal);
  }

  /** The first bytes of a frame arrived (Reader.onFrameStart). */
  frameStart(): void {
    for (const l of [...this.frameStartListeners]) l();
  }

  present(credential: Credential): void {
    const event = { readerId: this.id, credential, at: this.clock.monotonic() };
    for (const l of [...this.listeners]) l(event);
  }

  badge(number: string): void {
    this.present({ kind: 'badge', number, raw: number, format: 'em4100' });
  }
}

/**
 * A turnstile whose passages the test settles: each open() waits until `settle()` (or the
 * `auto` policy) says what happened.
 */
export class FakeTurnstile extends FakeDevice<'turnstile'> implements Turnstile {
  readonly opens: Direction[] = [];
  /** The `ms` of every holdPolls() call. */
  readonly holds: number[] = [];
  lockdown = false;
  /** When set, every open settles by itself on the next macrotask with this outcome. */
  auto: (() => PassageOutcome) | undefined;
  private pending: ((o: PassageOutcome) => void)[] = [];
  private listeners = new Set<(e: TurnstileEvent) => void>();

  constructor(id: string) {
    super(id, 'turnstile');
  }

  open(direction: Direction): Promise<PassageOutcome> {
    this.opens.push(direction);
    if (this.lockdown) return Promise.resolve({ kind: 'refused', code: 'LOCKDOWN', message: 'lock-down active' });
    return new Promise((resolve) => {
      const auto = this.auto;
      if (auto) setImmediate(() => resolve(auto()));
      else this.pending.push(resolve);
    });
  }

  get waiting(): number {
    return this.pending.length;
  }

  settle(outcome: PassageOutcome): void {
    const next = this.pending.shift();
    if (!next) throw new Error(`${this.id}: no open() is waiting`);
    next(outcome);
  }

  setLockdown(on: boolean): void {
    this.lockdown = on;
  }

  holdPolls(ms: number): void {
    this.holds.push(ms);
  }

  onEvent(listener: (e: TurnstileEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: TurnstileEvent): void {
    for (const l of [...this.listeners]) l(event);
  }
}
