import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { AuthInfo } from '../../tokens/types.js';
import { DEFAULT_MAX_SESSIONS_PER_USER, OwnerQuota, retryAfterSec } from './session-limit.js';

/** What a session keeps: its transport, its server and who opened it. */
export interface SessionEntry {
  transport: WebStandardStreamableHTTPServerTransport;
  close(): Promise<void>;
  /** Who opened the session; every later request must come from the same caller. */
  owner: string;
  lastSeen: number;
}

/**
 * Who a token speaks for: issuer, subject and client. A session id is not a
 * credential (spec: "Servers MUST NOT use sessions for authentication"), so a
 * session answers only the caller that opened it.
 */
export function ownerOf(authInfo: AuthInfo | undefined): string {
  if (!authInfo) return '';
  const extra = authInfo.extra ?? {};
  const part = (v: unknown) => (typeof v === 'string' ? v : '');
  return JSON.stringify([part(extra.iss), part(extra.sub), authInfo.clientId]);
}

/**
 * Open Streamable HTTP sessions, closed after `idleTimeoutMs` without a
 * request so abandoned sessions do not pile up, and at most `maxPerOwner`
 * per caller: a place is reserved before a session opens, and given back
 * when it is deleted.
 */
export class SessionStore {
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #idleTimeoutMs: number;
  readonly #quota: OwnerQuota;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(idleTimeoutMs: number, maxPerOwner = DEFAULT_MAX_SESSIONS_PER_USER) {
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#quota = new OwnerQuota(maxPerOwner);
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
    const seen = [...this.#sessions.values()].filter((entry) => entry.owner === owner).map((entry) => entry.lastSeen);
    return retryAfterSec(seen, this.#idleTimeoutMs);
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(id: string): SessionEntry | undefined {
    const entry = this.#sessions.get(id);
    if (entry) entry.lastSeen = Date.now();
    return entry;
  }

  /** Adds a session opened on a place {@link reserve} took. */
  add(id: string, entry: SessionEntry): void {
    this.#sessions.set(id, entry);
    this.#startSweeping();
  }

  /** Forgets a session and gives its place back; again for the same id, nothing. */
  delete(id: string): void {
    const entry = this.#sessions.get(id);
    if (!entry) return;
    this.#sessions.delete(id);
    this.#quota.give(entry.owner);
    if (this.#sessions.size === 0) this.#stopSweeping();
  }

  async closeAll(): Promise<void> {
    this.#stopSweeping();
    const entries = [...this.#sessions.values()];
    this.#sessions.clear();
    this.#quota.clear();
    await Promise.allSettled(entries.map((entry) => entry.close()));
  }

  #startSweeping(): void {
    if (this.#timer || !Number.isFinite(this.#idleTimeoutMs)) return;
    const every = Math.max(1000, Math.min(60_000, this.#idleTimeoutMs / 2));
    this.#timer = setInterval(() => this.#sweep(), every);
    // A sweeper alone must not keep the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #stopSweeping(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    const oldest = Date.now() - this.#idleTimeoutMs;
    for (const [id, entry] of this.#sessions) {
      if (entry.lastSeen < oldest) {
        this.delete(id);
        entry.close().catch(() => {});
      }
    }
  }
}
