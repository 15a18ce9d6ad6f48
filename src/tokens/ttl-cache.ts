interface Entry<V> {
  key: string;
  value: V;
  expiresAt: number;
}

/**
 * A bounded map whose entries expire: least recently used entries are evicted
 * first once `maxEntries` is reached. Enough for caching verification results
 * without letting a flood of distinct tokens grow memory without limit.
 *
 * @example
 * ```ts
 * const cache = new TtlCache<string>(1000);
 * cache.set('k', 'v', 60_000);
 * cache.get('k'); // 'v' for the next minute
 * ```
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** The most recently used entry: a hit on it needs no reordering (the common case, one client's token again and again). */
  #newest: Entry<V> | undefined;

  constructor(maxEntries: number, now: () => number = Date.now) {
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** `at`: the time to judge expiry by, when the caller has just read the clock itself. */
  get(key: string, at: number = this.#now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= at) {
      this.#entries.delete(key);
      if (entry === this.#newest) this.#newest = undefined;
      return undefined;
    }
    if (entry !== this.#newest) {
      // Re-inserting moves the entry to the end of the Map's order: most recently used. With the stored key, not
      // the caller's: the caller's string is young, and a Map in old space holding it would promote it on every hit.
      this.#entries.delete(entry.key);
      this.#entries.set(entry.key, entry);
      this.#newest = entry;
    }
    return entry.value;
  }

  /**
   * The value used or stored last, if it has not expired: what a caller
   * holding the same request again wants, found without hashing its key.
   * Expired, it is dropped as `get` would drop it.
   */
  newest(at: number = this.#now()): V | undefined {
    const entry = this.#newest;
    if (!entry) return undefined;
    if (entry.expiresAt <= at) {
      this.#entries.delete(entry.key);
      this.#newest = undefined;
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (this.#maxEntries <= 0 || !(ttlMs > 0)) return;
    const entry: Entry<V> = { key, value, expiresAt: this.#now() + ttlMs };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#newest = entry;
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#newest = undefined;
  }
}
