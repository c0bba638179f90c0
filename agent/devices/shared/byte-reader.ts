import type { Clock } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import type { Transport } from '../../transport/transport.ts';
import type { DeviceState, DeviceStatus } from '../device.ts';
import type { Credential, CredentialPresented, Reader, ReaderFeedback } from '../reader.ts';
import { DEFAULT_BACKOFF, LinkKeeper, type BackoffOptions } from './link-keeper.ts';
import { nextReaderState, type ReaderStateEvent } from './reader-state.ts';
import { DeviceStatusTracker } from './status-tracker.ts';

export interface ByteReaderOptions {
  id: string;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  backoff?: BackoffOptions;
  /** Consecutive bad frames (no good one between) that turn the reader 'degraded'. */
  degradedAfterErrors?: number;
}

/**
 * What receive-only readers over a byte link (EM4100 modules, HID keyboard wedges) share:
 * the link kept open with backoff, status and error reporting, credential listeners, and
 * feedback that resolves at once (these readers have no LED or buzzer the box can drive).
 *
 * Status: 'offline' while the transport is closed or lost; 'online' once open; 'degraded'
 * after `degradedAfterErrors` bad frames in a row, back to 'online' at the next good frame.
 * A silent reader is normal (no card presented), so silence alone never changes the state.
 */
export abstract class ByteReader implements Reader {
  readonly kind = 'reader' as const;
  readonly id: string;
  protected readonly clock: Clock;
  protected readonly logger: Logger;
  private readonly tracker: DeviceStatusTracker;
  private readonly keeper: LinkKeeper;
  private readonly transport: Transport;
  private readonly credentialListeners = new Set<(event: CredentialPresented) => void>();
  private readonly frameStartListeners = new Set<() => void>();
  private readonly degradedAfter: number;
  private errorStreak = 0;
  private unsubscribeData: (() => void) | undefined;
  private counters = { frames: 0, badFrames: 0, credentials: 0 };

  protected constructor(options: ByteReaderOptions) {
    this.id = options.id;
    this.clock = options.clock;
    this.logger = options.logger;
    this.degradedAfter = options.degradedAfterErrors ?? 3;
    this.transport = options.transport;
    this.tracker = new DeviceStatusTracker(options.id, 'reader', options.clock, { transport: options.transport.description, ...this.counters });
    this.keeper = new LinkKeeper(
      options.transport,
      options.clock,
      options.logger,
      {
        up: () => {
          this.linkUp();
          this.errorStreak = 0;
          this.move('link-up');
        },
        down: (error) => this.tracker.recordError(error.code, error.message, this.next('link-down')),
      },
      options.backoff ?? DEFAULT_BACKOFF,
    );
  }

  async start(): Promise<void> {
    this.move('start');
    this.unsubscribeData ??= this.transport.on('data', (chunk) => this.bytes(chunk, this.clock.monotonic()));
    await this.keeper.start();
  }

  async stop(): Promise<void> {
    await this.keeper.stop();
    this.unsubscribeData?.();
    this.unsubscribeData = undefined;
    this.move('stop');
  }

  status(): DeviceStatus {
    return this.tracker.status();
  }

  onStatus(listener: (status: DeviceStatus) => void): () => void {
    return this.tracker.onStatus(listener);
  }

  onCredential(listener: (event: CredentialPresented) => void): () => void {
    this.credentialListeners.add(listener);
    return () => this.credentialListeners.delete(listener);
  }

  onFrameStart(listener: () => void): () => void {
    this.frameStartListeners.add(listener);
    return () => this.frameStartListeners.delete(listener);
  }

  feedback(_signal: ReaderFeedback): Promise<void> {
    return Promise.resolve();
  }

  /** Bytes from the transport; `at` is Clock.monotonic() when they arrived. */
  protected abstract bytes(chunk: Uint8Array, at: number): void;

  /** The link was (re)opened: drop any partial frame of the previous link. */
  protected abstract linkUp(): void;

  protected goodFrame(): void {
    this.counters.frames++;
    this.errorStreak = 0;
    this.move('good-frame');
  }

  protected badFrame(code: string, message: string): void {
    this.counters.badFrames++;
    this.errorStreak++;
    this.logger.debug({ reader: this.id, code }, message);
    this.tracker.recordError(code, message, this.errorStreak >= this.degradedAfter ? this.next('error-streak') : undefined);
    this.tracker.setDetail({ badFrames: this.counters.badFrames });
  }

  private next(event: ReaderStateEvent): DeviceState {
    return nextReaderState(this.tracker.status().state, event);
  }

  private move(event: ReaderStateEvent): void {
    this.tracker.setState(this.next(event));
  }

  /** Part of a frame is buffered and the rest is on its way (see Reader.onFrameStart). */
  protected frameStarted(): void {
    for (const l of [...this.frameStartListeners]) l();
  }

  protected deliver(credential: Credential, at: number): void {
    this.counters.credentials++;
    this.tracker.setDetail({ frames: this.counters.frames, credentials: this.counters.credentials });
    const event: CredentialPresented = { readerId: this.id, credential, at };
    for (const l of [...this.credentialListeners]) l(event);
  }
}
