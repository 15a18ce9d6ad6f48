/**
 * Who opened each upstream MCP session. A session id is not a credential
 * (the spec: "Servers MUST NOT use sessions for authentication"), and the
 * upstream cannot tell Gatehouse's callers apart by their tokens, so the
 * proxy binds every `Mcp-Session-Id` the upstream hands out to the caller
 * that got it, and answers anyone else as if the session did not exist.
 */

interface Entry {
  owner: string;
  lastSeen: number;
}

/**
 * Session id → owner, forgotten after `ttlMs` without a request (sliding).
 *
 * @example
 * ```ts
 * const owners = new SessionOwners(24 * 3600_000);
 * owners.bind(sessionId, ownerOf(req.auth));
 * owners.check(sessionId, ownerOf(req.auth)); // 'ok' | 'unknown' | 'other-owner'
 * ```
 */
export class SessionOwners {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Beyond `maxEntries` the session bound longest ago is forgotten (its next request gets 404, and its client starts over). */
  constructor(ttlMs: number, maxEntries = 100_000) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Records the owner of a session the upstream just created. */
  bind(sessionId: string, owner: string): void {
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(sessionId, { owner, lastSeen: Date.now() });
    this.#startSweeping();
  }

  /** Whether `owner` may use the session; refreshes its lifetime when so. */
  check(sessionId: string, owner: string): 'ok' | 'unknown' | 'other-owner' {
    const entry = this.#entries.get(sessionId);
    if (!entry || entry.lastSeen < Date.now() - this.#ttlMs) return 'unknown';
    if (entry.owner !== owner) return 'other-owner';
    entry.lastSeen = Date.now();
    return 'ok';
  }

  forget(sessionId: string): void {
    this.#entries.delete(sessionId);
    if (this.#entries.size === 0) this.#stopSweeping();
  }

  clear(): void {
    this.#entries.clear();
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
