/**
 * Where the HTTP proxy keeps who owns which upstream session: in this
 * process (`SessionOwners`), or in Redis when `GATEHOUSE_STORE=redis`, so
 * that behind a load balancer any instance can serve any session's
 * requests (the upstream session itself lives at the upstream).
 */
import { SessionOwners } from './session-owners.js';

/** What a session's owner check found: the caller owns it, nobody does (or it idled out), or someone else does. */
export type OwnerCheck = 'ok' | 'unknown' | 'other-owner';

/**
 * The proxy's record of session owners, with the per-user cap. Every
 * method may reject with a `StoreUnavailableError` on a shared store that
 * cannot be reached; the proxy answers that 503.
 */
export interface SessionOwnerRegistry {
  /** The cap per caller. */
  readonly maxPerOwner: number;
  /** Sessions whose owner this process holds (0 on a shared store: they are in Redis). */
  readonly size: number;
  /** Whether `owner` may use the session; refreshes its lifetime when so. */
  check(sessionId: string, owner: string): Promise<OwnerCheck>;
  /** Takes a place under the cap for a session `owner` is about to open: the place, or undefined at the cap. */
  reserve(owner: string): Promise<string | undefined>;
  /** Gives back a place no session came of. */
  release(owner: string, place: string): Promise<void>;
  /** Binds a session the upstream just created to `owner`, on `place` (else on a new one); false at the cap. */
  bind(sessionId: string, owner: string, place?: string): Promise<boolean>;
  /** Forgets a session and gives its place back. */
  forget(sessionId: string): Promise<void>;
  /** Seconds until one of `owner`'s sessions (or places) idles out: the 429's `Retry-After`. */
  retryAfterSec(owner: string): Promise<number>;
  /** Forgets what this process holds and releases its connection. */
  close(): Promise<void>;
}

/**
 * The registry of one process: `SessionOwners` behind the async interface.
 *
 * @example
 * ```ts
 * const owners = memoryOwnerRegistry(24 * 3600_000, 50);
 * const place = await owners.reserve(owner);
 * ```
 */
export function memoryOwnerRegistry(ttlMs: number, maxPerOwner?: number): SessionOwnerRegistry {
  const owners = new SessionOwners(ttlMs, undefined, maxPerOwner);
  return {
    get maxPerOwner() {
      return owners.maxPerOwner;
    },
    get size() {
      return owners.size;
    },
    check: async (sessionId, owner) => owners.check(sessionId, owner),
    reserve: async (owner) => (owners.reserve(owner) ? 'held' : undefined),
    release: async (owner) => owners.release(owner),
    bind: async (sessionId, owner, place) => owners.bind(sessionId, owner, place !== undefined),
    forget: async (sessionId) => owners.forget(sessionId),
    retryAfterSec: async (owner) => owners.retryAfterSec(owner),
    close: async () => owners.clear(),
  };
}
