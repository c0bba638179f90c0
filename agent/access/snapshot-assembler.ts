import type { RightsData, RightsSnapshotMessage } from './model.ts';

/**
 * Joins the chunks of one snapshot (the contract lets the fleet split a large snapshot in
 * `chunks` messages of the same clubId and version). Chunks may arrive in any order and
 * twice; a chunk of another club or version starts a new assembly (the older one is
 * dropped: the fleet resends, or the box asks again). Kept in memory only: a box restarted
 * mid-way requests a snapshot again.
 */
export class SnapshotAssembler {
  private pending: { clubId: string; version: number; chunks: number; parts: Map<number, RightsData> } | undefined;

  /** Returns the whole data once the last chunk arrived, else how many chunks are in. */
  add(message: RightsSnapshotMessage): { readonly complete: true; readonly data: RightsData } | { readonly complete: false; readonly received: number } {
    const p = this.pending;
    if (p === undefined || p.clubId !== message.clubId || p.version !== message.version || p.chunks !== message.chunks) {
      this.pending = { clubId: message.clubId, version: message.version, chunks: message.chunks, parts: new Map() };
    }
    const current = this.pending as NonNullable<typeof this.pending>;
    current.parts.set(message.chunk, message.data);
    if (current.parts.size < current.chunks) return { complete: false, received: current.parts.size };
    this.pending = undefined;
    const parts = [...current.parts.entries()].sort(([a], [b]) => a - b).map(([, d]) => d);
    return {
      complete: true,
      data: {
        members: parts.flatMap((d) => d.members),
        credentials: parts.flatMap((d) => d.credentials),
        zones: parts.flatMap((d) => d.zones),
        rights: parts.flatMap((d) => d.rights),
        bookings: parts.flatMap((d) => d.bookings),
        qrKeys: parts.flatMap((d) => d.qrKeys),
      },
    };
  }

  /** Drops a partial assembly (e.g. after a newer version was applied). */
  reset(): void {
    this.pending = undefined;
  }
}
