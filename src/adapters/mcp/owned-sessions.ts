import { DEFAULT_MAX_SESSIONS_PER_USER, OwnerQuota, retryAfterSec } from './session-limit.js';

/** What every owned session records: who opened it and when it was last used. */
export interface OwnedEntry {
  owner: string;
  lastSeen: number;
}

/**
 * Sessions bound to the caller that opened them, at most `maxPerOwner` per
 * caller, swept after `idleMs` without a request. The MCP handler's own
 * sessions ({@link SessionStore}) and the proxy's record of its upstream's
 * sessions (`SessionOwners`) differ only in what an entry holds and what a
 * sweep does to it, so the cap, the sweeper and `Retry-After` live here once.
 *
 * @example
 * ```ts
 * class Owners extends OwnedSessions<OwnedEntry> {
 *   open(id: string, owner: string) {
 *     if (!this.reserve(owner)) return false;
 *     this.put(id, { owner, lastSeen: Date.now() });
 *     return true;
 *   }
 *   protected expired() {}
 * }
 * new Owners(60_000).open('s1', 'alice'); // true, until alice holds the cap
 * ```
 */
export abstract class OwnedSessions<E extends OwnedEntry> {
  protected readonly entries = new Map<string, E>();
  protected readonly idleMs: number;
  readonly #quota: OwnerQuota;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(idleMs: number, maxPerOwner = DEFAULT_MAX_SESSIONS_PER_USER) {
    this.idleMs = idleMs;
    this.#quota = new OwnerQuota(maxPerOwner);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cap per caller. */
  get maxPerOwner(): number {
    return this.#quota.max;
  }

  /** Takes a place for a session `owner` is about to open; false when they hold the cap already. */
  reserve(owner: string): boolean {
    return this.#quota.take(owner);
  }

  /** Gives back a reserved place no session came of. */
  release(owner: string): void {
    this.#quota.give(owner);
  }

  /** Seconds until one of `owner`'s sessions idles out. */
  retryAfterSec(owner: string): number {
    const seen = [...this.entries.values()].filter((entry) => entry.owner === owner).map((entry) => entry.lastSeen);
    return retryAfterSec(seen, this.idleMs);
  }

  /** Records a session on a place {@link reserve} took. */
  protected put(id: string, entry: E): void {
    this.entries.set(id, entry);
    this.#startSweeping();
  }

  /** Forgets a session and gives its place back; the entry, or undefined when there was none. */
  protected remove(id: string): E | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    this.#quota.give(entry.owner);
    if (this.entries.size === 0) this.#stopSweeping();
    return entry;
  }

  /** Forgets every session and every place; the entries, for whoever must close them. */
  protected removeAll(): E[] {
    this.#stopSweeping();
    const all = [...this.entries.values()];
    this.entries.clear();
    this.#quota.clear();
    return all;
  }

  /** What a sweep does with a session idle past `idleMs` (it is already forgotten). */
  protected abstract expired(entry: E): void;

  #startSweeping(): void {
    if (this.#timer || !Number.isFinite(this.idleMs)) return;
    this.#timer = setInterval(() => this.#sweep(), Math.max(1000, Math.min(60_000, this.idleMs / 2)));
    // A sweeper alone must not keep the process alive (unref is Node's; other runtimes have none).
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #stopSweeping(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    const oldest = Date.now() - this.idleMs;
    for (const [id, entry] of this.entries) {
      if (entry.lastSeen < oldest && this.remove(id)) this.expired(entry);
    }
  }
}
