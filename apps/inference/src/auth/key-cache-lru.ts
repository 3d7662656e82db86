// A bounded map with least-recently-used eviction and an expiry per entry, for the key cache.
// Built on Map's insertion order: the first key is the least recently used. A hit moves its
// entry to the end (delete + set of the same slot object: no allocation on the hot path).

interface Slot<V> {
  value: V;
  expiresAt: number;
}

export class ExpiringLru<V> {
  readonly #map = new Map<string, Slot<V>>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    if (!(Number.isInteger(maxEntries) && maxEntries > 0)) {
      throw new RangeError(`maxEntries must be a whole number > 0, got ${maxEntries}`);
    }
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The live value for `key` (and marks it most recently used), or undefined. */
  get(key: string, now: number): V | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= now) {
      this.#map.delete(key);
      return undefined;
    }
    this.#map.delete(key);
    this.#map.set(key, slot);
    return slot.value;
  }

  /** Stores `value` until `expiresAt`, evicting the least recently used entries beyond the bound. */
  set(key: string, value: V, expiresAt: number): void {
    this.#map.delete(key);
    this.#map.set(key, { value, expiresAt });
    while (this.#map.size > this.#maxEntries) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.#map.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }
}
