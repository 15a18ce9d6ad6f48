/**
 * Who opened each upstream MCP session. A session id is not a credential
 * (the spec: "Servers MUST NOT use sessions for authentication"), and the
 * upstream cannot tell Gatehouse's callers apart by their tokens, so the
 * proxy binds every `Mcp-Session-Id` the upstream hands out to the caller
 * that got it, and answers anyone else as if the session did not exist.
 */

import { DEFAULT_MAX_SESSIONS_PER_USER, OwnerQuota, retryAfterSec } from '../../adapters/mcp/session-limit.js';

interface Entry {
  owner: string;
  lastSeen: number;
}

/**
 * Session id → owner, forgotten after `ttlMs` without a request (sliding),
 * and at most `maxPerOwner` sessions per owner: a place is reserved before
 * an `initialize` goes upstream, so one caller cannot have the upstream open
 * sessions without end.
 *
 * @example
 * ```ts
 * const owners = new SessionOwners(24 * 3600_000);
 * if (!owners.reserve(owner)) return tooManySessions();
 * owners.bind(sessionId, owner, true);
 * owners.check(sessionId, ownerOf(req.auth)); // 'ok' | 'unknown' | 'other-owner'
 * ```
 */
export class SessionOwners {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #quota: OwnerQuota;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Beyond `maxEntries` the session bound longest ago is forgotten (its next request gets 404, and its client starts over). */
  constructor(ttlMs: number, maxEntries = 100_000, maxPerOwner = DEFAULT_MAX_SESSIONS_PER_USER) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#quota = new OwnerQuota(maxPerOwner);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cap per owner. */
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

  /** Seconds until one of `owner`'s sessions is forgotten without a request. */
  retryAfterSec(owner: string): number {
    const seen = [...this.#entries.values()].filter((entry) => entry.owner === owner).map((entry) => entry.lastSeen);
    return retryAfterSec(seen, this.#ttlMs);
  }

  /**
   * Records the owner of a session the upstream just created, on the place
   * `reserve` took (`reserved`), else on a new one. False when the owner is
   * at the cap: the session is then not bound, and its requests get 404.
   */
  bind(sessionId: string, owner: string, reserved = false): boolean {
    if (!reserved && !this.#quota.take(owner)) return false;
    // The same id handed out again: its earlier owner's place goes back.
    this.forget(sessionId);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
    }
    this.#entries.set(sessionId, { owner, lastSeen: Date.now() });
    this.#startSweeping();
    return true;
  }

  /** Whether `owner` may use the session; refreshes its lifetime when so. */
  check(sessionId: string, owner: string): 'ok' | 'unknown' | 'other-owner' {
    const entry = this.#entries.get(sessionId);
    if (!entry || entry.lastSeen < Date.now() - this.#ttlMs) return 'unknown';
    if (entry.owner !== owner) return 'other-owner';
    entry.lastSeen = Date.now();
    return 'ok';
  }

  /** Forgets a session and gives its place back; again for the same id, nothing. */
  forget(sessionId: string): void {
    const entry = this.#entries.get(sessionId);
    if (!entry) return;
    this.#entries.delete(sessionId);
    this.#quota.give(entry.owner);
    if (this.#entries.size === 0) this.#stopSweeping();
  }

  clear(): void {
    this.#entries.clear();
    this.#quota.clear();
    this.#stopSweeping();
  }

  #startSweeping(): void {
    if (this.#timer || !Number.isFinite(this.#ttlMs)) return;
    this.#timer = setInterval(() => this.#sweep(), Math.max(1000, Math.min(60_000, this.#ttlMs / 2)));
    // The sweeper alone must not keep the process alive.
    this.#timer.unref();
  }

  #stopSweeping(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    const oldest = Date.now() - this.#ttlMs;
    for (const [id, entry] of this.#entries) if (entry.lastSeen < oldest) this.forget(id);
  }
}
