/**
 * Who opened each upstream MCP session. A session id is not a credential
 * (the spec: "Servers MUST NOT use sessions for authentication"), and the
 * upstream cannot tell Gatehouse's callers apart by their tokens, so the
 * proxy binds every `Mcp-Session-Id` the upstream hands out to the caller
 * that got it, and answers anyone else as if the session did not exist.
 */

import { OwnedSessions, type OwnedEntry } from '../../adapters/mcp/owned-sessions.js';
import { DEFAULT_MAX_SESSIONS_PER_USER } from '../../adapters/mcp/session-limit.js';

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
export class SessionOwners extends OwnedSessions<OwnedEntry> {
  readonly #maxEntries: number;

  /** Beyond `maxEntries` the session bound longest ago is forgotten (its next request gets 404, and its client starts over). */
  constructor(ttlMs: number, maxEntries = 100_000, maxPerOwner = DEFAULT_MAX_SESSIONS_PER_USER) {
    super(ttlMs, maxPerOwner);
    this.#maxEntries = maxEntries;
  }

  /**
   * Records the owner of a session the upstream just created, on the place
   * `reserve` took (`reserved`), else on a new one. False when the owner is
   * at the cap: the session is then not bound, and its requests get 404.
   */
  bind(sessionId: string, owner: string, reserved = false): boolean {
    if (!reserved && !this.reserve(owner)) return false;
    // The same id handed out again: its earlier owner's place goes back.
    this.forget(sessionId);
    if (this.entries.size >= this.#maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
    }
    this.put(sessionId, { owner, lastSeen: Date.now() });
    return true;
  }

  /** Whether `owner` may use the session; refreshes its lifetime when so. */
  check(sessionId: string, owner: string): 'ok' | 'unknown' | 'other-owner' {
    const entry = this.entries.get(sessionId);
    if (!entry || entry.lastSeen < Date.now() - this.idleMs) return 'unknown';
    if (entry.owner !== owner) return 'other-owner';
    entry.lastSeen = Date.now();
    return 'ok';
  }

  /** Forgets a session and gives its place back; again for the same id, nothing. */
  forget(sessionId: string): void {
    this.remove(sessionId);
  }

  clear(): void {
    this.removeAll();
  }

  /** An idle binding is simply forgotten: the upstream's session is the upstream's to end. */
  protected expired(): void {}
}
