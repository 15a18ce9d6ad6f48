import type { StoreFactory } from '../stores/types.js';

/**
 * ID-JAGs are redeemed once (RFC 7523 §3: the `jti` MAY be used to refuse
 * replay; SEP-990 SHOULD). A redeemed `jti` is a one-time marker in the
 * authority's store (`createIfAbsent`: `SET NX PX` on Redis, an `O_EXCL`
 * link on the file store), so of any number of redemptions racing each
 * other, on one instance or on several sharing the store, exactly one
 * wins. The marker lives until the ID-JAG would have expired: after that
 * the ID-JAG itself is refused as expired.
 */

/** The store model of redeemed ID-JAGs. */
export const REPLAY_MODEL = 'IdJagRedeemed';

/** Remembers redeemed ID-JAGs. */
export interface ReplayCache {
  /**
   * True the first time this issuer's `jti` is claimed, false ever after
   * (until `expiresInSec` has passed: by then the ID-JAG itself is refused as expired).
   */
  claim(issuer: string, jti: string, expiresInSec: number): Promise<boolean>;
}

/**
 * A replay cache over the authority's store.
 *
 * @example
 * ```ts
 * const replays = replayCache(store);
 * if (!(await replays.claim(idJag.issuer, idJag.jti, idJag.exp - now + skew))) throw new IdJagError('replayed', 'assertion was already used');
 * ```
 */
export function replayCache(store: Pick<StoreFactory, 'createIfAbsent'>): ReplayCache {
  return {
    // The issuer is part of the key: two IdPs may pick the same jti.
    claim: (issuer, jti, expiresInSec) => store.createIfAbsent(REPLAY_MODEL, `${issuer}\u0000${jti}`, Math.max(1, expiresInSec)),
  };
}
