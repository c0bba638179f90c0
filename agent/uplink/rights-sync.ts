import type { RightsStore } from '../access/index.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { RightsMessage, RightsRequestMessage, RightsStatusMessage } from '../../protocol/mqtt/index.ts';

export type RightsTarget = Pick<RightsStore, 'version' | 'status' | 'applySnapshot' | 'applyDelta' | 'corruptFileMovedTo'>;

export interface RightsSyncOptions {
  readonly store: RightsTarget;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sendRequest: (m: RightsRequestMessage) => boolean;
  readonly sendStatus: (m: RightsStatusMessage) => boolean;
  /** A request not answered by a snapshot within this time may be sent again. */
  readonly requestRetryMs?: number;
  /** Called after each applied version (events, metrics). */
  readonly onApplied?: (version: number, kind: 'snapshot' | 'delta') => void;
}

/**
 * Keeps the box's rights store in step with the fleet. Snapshots (possibly in chunks) and
 * deltas are applied in version order by the store, atomically; a delta that does not start
 * at the box's version (a gap: a delta lost while the broker had no session for the box)
 * is not applied and a snapshot is requested (`rights/request` reason `gap`). After every
 * apply the box reports the version it decides with (`rights/status`, retained).
 */
export class RightsSync {
  private requestedAt: number | undefined;

  constructor(private readonly o: RightsSyncOptions) {}

  /**
   * On each connect: report the version; ask for a snapshot when the broker lost the
   * session (deltas may have been dropped), when the store is empty, or when it was corrupt.
   */
  connected(sessionPresent: boolean): void {
    this.requestedAt = undefined;
    this.publishStatus();
    const store = this.o.store;
    if (store.corruptFileMovedTo !== null && store.version() === 0) this.request('corrupt');
    else if (!sessionPresent || store.version() === 0) this.request('startup');
  }

  onMessage(m: RightsMessage): void {
    const { store, logger } = this.o;
    if (m.kind === 'snapshot') {
      const r = store.applySnapshot(m);
      if (!r.ok) {
        logger.warn({ error: r.error, version: m.version, chunk: m.chunk }, 'UPLINK_RIGHTS_REFUSED: rights snapshot not applied');
        return;
      }
      if (r.value.status === 'applied') this.applied(m.version, 'snapshot');
      return;
    }
    const current = store.status();
    if (current.clubId === m.clubId && m.version <= current.version) return; // already have it (redelivery)
    const r = store.applyDelta(m);
    if (r.ok) {
      this.applied(r.value.version, 'delta');
      return;
    }
    if (r.error.code === 'RIGHTS_BASE_MISMATCH' || r.error.code === 'RIGHTS_WRONG_CLUB') {
      logger.info({ have: current.version, base: m.baseVersion, version: m.version }, 'rights version gap, asking for a snapshot');
      this.request('gap');
      return;
    }
    logger.warn({ error: r.error, version: m.version }, 'UPLINK_RIGHTS_REFUSED: rights delta not applied');
  }

  private applied(version: number, kind: 'snapshot' | 'delta'): void {
    if (kind === 'snapshot') this.requestedAt = undefined;
    this.o.logger.info({ version, kind }, 'rights applied');
    this.publishStatus();
    this.o.onApplied?.(version, kind);
  }

  private request(reason: RightsRequestMessage['reason']): void {
    const now = this.o.clock.now();
    if (this.requestedAt !== undefined && now - this.requestedAt < (this.o.requestRetryMs ?? 30_000)) return;
    const version = this.o.store.version();
    if (this.o.sendRequest({ v: 1, haveVersion: version, reason, ts: now })) this.requestedAt = now;
  }

  private publishStatus(): void {
    this.o.sendStatus({ v: 1, ...this.o.store.status() });
  }
}
