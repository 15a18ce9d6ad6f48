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
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(maxEntries: number, now: () => number = Date.now) {
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) return undefined;
    // Re-inserting moves the entry to the end of the Map's order: most recently used.
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (this.#maxEntries <= 0 || !(ttlMs > 0)) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
