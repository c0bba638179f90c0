import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { encode, MAX_RELAYED_PER_MESSAGE, topicFor, type RelayedPassage } from '../../protocol/mqtt/index.ts';
import type { FleetBus } from '../bus/bus.ts';
import type { FleetRepositories, PassRecord } from '../store/repositories.ts';
import { relayedPassage } from './mapping.ts';

export interface OccupancyRelayOptions {
  readonly bus: FleetBus;
  readonly store: Pick<FleetRepositories, 'relayPeers'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a box's list of siblings is reused (cleared on every box state change). */
  readonly siblingsTtlMs?: number;
  /** How far back a box that comes online gets its siblings' passages. */
  readonly catchUpMs?: number;
}

const DEFAULT_SIBLINGS_TTL_MS = 60_000;
/** A day: longer than any maximum stay, and back past the daily reset the boxes count from. */
const DEFAULT_CATCH_UP_MS = 24 * 3600_000;
const CATCH_UP_LIMIT = 20 * MAX_RELAYED_PER_MESSAGE;

/**
 * Occupancy per club zone (docs/mqtt-contract.md, "Occupancy per club zone"): once a box's
 * pass batch is committed, its confirmed passages go to each OTHER box of its club on
 * `occupancy/relay` (QoS 1), one message per sibling (nothing for a box alone in its
 * club). A box that comes online gets its siblings' passages of the last day again from
 * the store: what was relayed while it was away (its broker session lost with a restarted
 * broker) is not lost, and what it already has counts once (by origin box and seq). Runs on
 * the instance that committed the batch or ingested the state; nothing is shared between
 * instances. A failure is logged, never thrown: the passes are stored and acknowledged anyway.
 */
export class OccupancyRelay {
  private readonly siblings = new Map<string, { readonly ids: readonly string[]; readonly at: number }>();

  constructor(private readonly o: OccupancyRelayOptions) {}

  /** After the commit of a batch of `boxId`. */
  async committed(boxId: string, passes: readonly PassRecord[]): Promise<void> {
    const relayed = passes.map(relayedPassage).filter((p) => p !== undefined);
    if (relayed.length === 0) return;
    try {
      const siblings = await this.siblingsOf(boxId);
      await Promise.all(siblings.map((to) => this.send(to, boxId, relayed)));
    } catch (e) {
      this.o.logger.warn({ code: 'INGEST_RELAY_FAILED', box: boxId, err: e }, 'occupancy relay failed');
    }
  }

  /** A box came online: its siblings' recent passages, from the store. */
  async online(boxId: string): Promise<void> {
    // Any state change may be a box joining or leaving a club: lists are read again.
    this.siblings.clear();
    try {
      const siblings = await this.siblingsOf(boxId);
      if (siblings.length === 0) return;
      const rows = await this.o.store.relayPeers.passagesSince(siblings, this.o.clock.now() - (this.o.catchUpMs ?? DEFAULT_CATCH_UP_MS), CATCH_UP_LIMIT);
      const byOrigin = new Map<string, RelayedPassage[]>();
      for (const r of rows) {
        const list = byOrigin.get(r.boxId) ?? [];
        list.push({ seq: r.seq, ts: r.at, zoneId: r.zoneId, direction: r.direction, memberId: r.memberId, ticketId: r.ticketId });
        byOrigin.set(r.boxId, list);
      }
      for (const [origin, list] of byOrigin) await this.send(boxId, origin, list);
    } catch (e) {
      this.o.logger.warn({ code: 'INGEST_RELAY_FAILED', box: boxId, err: e }, 'occupancy catch-up failed');
    }
  }

  /** Box state changed (offline, revoked): forget cached sibling lists. */
  forget(): void {
    this.siblings.clear();
  }

  private async siblingsOf(boxId: string): Promise<readonly string[]> {
    const now = this.o.clock.now();
    const cached = this.siblings.get(boxId);
    if (cached && now - cached.at < (this.o.siblingsTtlMs ?? DEFAULT_SIBLINGS_TTL_MS)) return cached.ids;
    const ids = await this.o.store.relayPeers.siblingsOf(boxId);
    this.siblings.set(boxId, { ids, at: now });
    return ids;
  }

  private async send(to: string, originBoxId: string, passages: readonly RelayedPassage[]): Promise<void> {
    for (let i = 0; i < passages.length; i += MAX_RELAYED_PER_MESSAGE) {
      const payload = encode('occupancyRelay', { v: 1, originBoxId, passages: passages.slice(i, i + MAX_RELAYED_PER_MESSAGE) });
      await this.o.bus.publish(topicFor('occupancyRelay', to), Buffer.from(payload), { qos: 1 });
    }
  }
}
