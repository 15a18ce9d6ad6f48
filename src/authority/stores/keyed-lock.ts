/**
 * One-at-a-time sections per key, within this process: read-modify-write of
 * one record (consume, lazy expiry) and of one grant (a token saved while the
 * grant is being revoked) must not interleave.
 *
 * @example
 * ```ts
 * const locks = new KeyedLock();
 * await Promise.all([locks.run('a', first), locks.run('a', second)]); // second starts after first ends
 * ```
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * Runs `fn` once every earlier section for `key` has finished.
   *
   * @example
   * ```ts
   * const locks = new KeyedLock();
   * await locks.run(path, async () => writeRecord(path, await change(await readRecord(path))));
   * ```
   */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    this.#tails.set(key, tail);
    try {
      await previous;
      return await fn();
    } finally {
      release();
      // The last one out forgets the key, so the map does not grow forever.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with a section running or waiting; for tests. */
  get size(): number {
    return this.#tails.size;
  }
}

/**
 * One lock table for the whole process, keyed by absolute path: two stores
 * opened on the same directory (a provider restarted in the same process)
 * still take turns.
 */
export const fileLocks = new KeyedLock();
