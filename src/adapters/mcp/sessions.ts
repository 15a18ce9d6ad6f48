import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { AuthInfo } from '../../tokens/types.js';

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
 * request so abandoned sessions do not pile up.
 */
export class SessionStore {
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #idleTimeoutMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(idleTimeoutMs: number) {
    this.#idleTimeoutMs = idleTimeoutMs;
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(id: string): SessionEntry | undefined {
    const entry = this.#sessions.get(id);
    if (entry) entry.lastSeen = Date.now();
    return entry;
  }

  add(id: string, entry: SessionEntry): void {
    this.#sessions.set(id, entry);
    this.#startSweeping();
  }

  delete(id: string): void {
    this.#sessions.delete(id);
    if (this.#sessions.size === 0) this.#stopSweeping();
  }

  async closeAll(): Promise<void> {
    this.#stopSweeping();
    const entries = [...this.#sessions.values()];
    this.#sessions.clear();
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
