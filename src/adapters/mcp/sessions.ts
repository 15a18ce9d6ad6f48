import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { AuthInfo } from '../../tokens/types.js';
import { OwnedSessions } from './owned-sessions.js';

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
export class SessionStore extends OwnedSessions<SessionEntry> {
  get(id: string): SessionEntry | undefined {
    const entry = this.entries.get(id);
    if (entry) entry.lastSeen = Date.now();
    return entry;
  }

  /** Adds a session opened on a place {@link reserve} took. */
  add(id: string, entry: SessionEntry): void {
    this.put(id, entry);
  }

  /** Forgets a session and gives its place back; again for the same id, nothing. */
  delete(id: string): void {
    this.remove(id);
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.removeAll().map((entry) => entry.close()));
  }

  protected expired(entry: SessionEntry): void {
    entry.close().catch(() => {});
  }
}
