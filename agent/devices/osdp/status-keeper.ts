import type { Clock } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import type { OsdpReaderErrorCode } from './errors.ts';
import type { OsdpReader } from './osdp-reader.ts';
import type { PdLink } from './pd-link.ts';
import { deviceState, nextCondition, observe, readerDetail, type ReaderCondition } from './reader-status.ts';

type RecordedError = { code: OsdpReaderErrorCode; message: string; at: number };

/**
 * One reader's published status: its condition (reader-status.ts), the error behind it,
 * and the last card read that gave no credential. It publishes after every exchange and
 * the reader emits only real changes, so a reader refused or retried in the background
 * shows one state, not one event per try.
 */
export class ReaderStatusKeeper {
  condition: ReaderCondition = 'starting';
  /** The reader's tamper switch is open (LSTATR). */
  tamper = false;
  /** Why the reader is not online; cleared once it answers again. */
  private lastError: RecordedError | undefined;
  /** A card read that gave no credential (bad parity, no bits); cleared by the next good read. */
  private cardError: RecordedError | undefined;

  constructor(
    private readonly reader: OsdpReader,
    private readonly address: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly degradedAfter: number,
  ) {}

  /** Keeps the first occurrence of a repeated error: the status says since when it lasts. */
  recordError(code: OsdpReaderErrorCode, message: string): void {
    if (this.lastError?.code !== code) this.lastError = { code, message, at: this.clock.now() };
  }

  cardRead(error: { code: OsdpReaderErrorCode; message: string } | undefined): void {
    this.cardError = error ? { ...error, at: this.clock.now() } : undefined;
    if (error) this.logger.warn({ reader: this.reader.id, code: error.code }, error.message);
  }

  publish(link: PdLink): void {
    const snapshot = { address: this.address, phase: link.phase, failures: link.failures, confirmed: link.confirmed, secureChannel: link.secureChannelActive, setupFailure: link.setupFailure, identity: link.identity, tamper: this.tamper };
    const seen = observe(snapshot, this.degradedAfter);
    if (seen === 'healthy') this.lastError = undefined;
    const condition = nextCondition(this.condition, seen);
    if (condition !== this.condition) {
      const why = this.lastError ? { code: this.lastError.code, err: this.lastError.message } : {};
      this.logger.info({ reader: this.reader.id, from: this.condition, to: condition, ...why }, 'OSDP reader status');
      this.condition = condition;
    }
    const lastError = condition === 'online' ? this.cardError : this.lastError;
    this.reader.updateStatus({ state: deviceState(condition), ...(lastError ? { lastError } : {}), detail: readerDetail(snapshot, condition) }, this.clock.now());
  }
}
