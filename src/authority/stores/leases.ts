import { randomBytes } from 'node:crypto';

/**
 * Short exclusive holds on a name, shared by every instance on one store:
 * what lets two Gatehouse instances agree that only one of them does a
 * thing now (refresh a user's upstream token, whose refresh token the
 * upstream may rotate: a second use of the old one would fail, or end the
 * user's session there). A hold ends when released, or by itself after its
 * time, so a crashed holder blocks nobody for long.
 */

/** Ends a hold; a hold that already timed out (and may be someone else's now) is left alone. */
export type ReleaseLease = () => Promise<void>;

/**
 * Takes `name` for `ttlMs` unless it is held: the release function, or
 * `undefined` when someone (this instance or another) holds it.
 *
 * @example
 * ```ts
 * const release = await store.lease('upstream-refresh:grant-1', 15_000);
 * if (release) try { await refresh() } finally { await release() }
 * ```
 */
export type TakeLease = (name: string, ttlMs: number) => Promise<ReleaseLease | undefined>;

/** A random holder id, so a release after the hold timed out cannot end the next holder's. */
export function leaseHolder(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Leases within this process, for the memory store and the file store (one
 * process per state directory): a map of names to their holder and expiry.
 *
 * @example
 * ```ts
 * const lease = processLeases(Date.now);
 * const release = await lease('a', 1000); // a function
 * await lease('a', 1000); // undefined while held
 * ```
 */
export function processLeases(now: () => number): TakeLease {
  const held = new Map<string, { holder: string; until: number }>();
  return async function lease(name, ttlMs) {
    const current = held.get(name);
    if (current && current.until > now()) return undefined;
    const holder = leaseHolder();
    held.set(name, { holder, until: now() + ttlMs });
    return async () => {
      if (held.get(name)?.holder === holder) held.delete(name);
    };
  };
}
