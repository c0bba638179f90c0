/**
 * An immutable string-keyed map made of a shared base and a small overlay of changes, so
 * that a rights delta touching a few records costs O(changes), not a copy of 100,000
 * entries. A lookup is at most two Map accesses. When the overlay grows past a fraction of
 * the base, the next update flattens both into a new base (amortised O(1) per change).
 */
const GONE: unique symbol = Symbol('gone');
type Slot<V> = V | typeof GONE;

export class LayeredMap<V> {
  private constructor(
    private readonly base: ReadonlyMap<string, V>,
    private readonly overlay: ReadonlyMap<string, Slot<V>>,
    readonly size: number,
  ) {}

  /** Takes ownership of `map`: the caller must not change it afterwards. */
  static of<V>(map: ReadonlyMap<string, V> = new Map()): LayeredMap<V> {
    return new LayeredMap(map, new Map(), map.size);
  }

  get(key: string): V | undefined {
    const slot = this.overlay.get(key);
    if (slot !== undefined) return slot === GONE ? undefined : slot;
    return this.base.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [k, v] of this.base) if (!this.overlay.has(k)) yield [k, v];
    for (const [k, v] of this.overlay) if (v !== GONE) yield [k, v];
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  /** A new map with `deletes` removed, then `sets` set; this one is unchanged. */
  update(deletes: Iterable<string>, sets: Iterable<readonly [string, V]>): LayeredMap<V> {
    const overlay = new Map(this.overlay);
    let size = this.size;
    const read = (k: string): V | undefined => {
      const slot = overlay.get(k);
      return slot !== undefined ? (slot === GONE ? undefined : slot) : this.base.get(k);
    };
    for (const k of deletes) {
      if (read(k) === undefined) continue;
      size--;
      if (this.base.has(k)) overlay.set(k, GONE);
      else overlay.delete(k);
    }
    for (const [k, v] of sets) {
      if (read(k) === undefined) size++;
      overlay.set(k, v);
    }
    const next = new LayeredMap(this.base, overlay, size);
    return overlay.size > Math.max(1024, this.base.size / 8) ? LayeredMap.of(new Map(next.entries())) : next;
  }
}
