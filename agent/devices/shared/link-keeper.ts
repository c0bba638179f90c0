import type { Clock, TimerHandle } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import type { Transport, TransportError } from '../../transport/transport.ts';

export interface BackoffOptions {
  /** Delay before the first reopen attempt. */
  initialMs: number;
  /** The delay doubles after each failed attempt, up to this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000 };

export interface LinkEvents {
  up(): void;
  down(error: { code: string; message: string }): void;
}

/**
 * Keeps a driver's transport open: opens it on start, and after a lost link or a failed open
 * tries again with exponential backoff on the injected clock, until stop().
 */
export class LinkKeeper {
  private running = false;
  private retry: TimerHandle | undefined;
  private failures = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly events: LinkEvents,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {}

  /** Resolves after the first open attempt; a failure there is reported through `down` and retried. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.transport.on('close', (reason) => this.onClose(reason));
    await this.attempt();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.clock.clearTimeout(this.retry);
    this.retry = undefined;
    await this.transport.close();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async attempt(): Promise<void> {
    this.retry = undefined;
    if (!this.running || this.transport.isOpen) return;
    try {
      await this.transport.open();
    } catch (e) {
      const error = e as TransportError;
      this.failures++;
      this.events.down({ code: error.code ?? 'TRANSPORT_OPEN_FAILED', message: error.message });
      this.schedule();
      return;
    }
    if (!this.running) {
      await this.transport.close();
      return;
    }
    this.failures = 0;
    this.logger.info({ transport: this.transport.description }, 'link up');
    this.events.up();
  }

  private onClose(reason: TransportError | undefined): void {
    if (!this.running) return;
    const error = reason ?? { code: 'TRANSPORT_CLOSED', message: `${this.transport.description} was closed` };
    this.logger.warn({ transport: this.transport.description, code: error.code }, 'link down');
    this.events.down({ code: error.code, message: error.message });
    this.schedule();
  }

  private schedule(): void {
    if (!this.running || this.retry) return;
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.max(0, this.failures - 1));
    this.retry = this.clock.setTimeout(() => void this.attempt(), delay);
  }
}
