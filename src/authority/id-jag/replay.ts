import type { AdapterFactory } from 'oidc-provider';
import { KeyedLock } from '../stores/keyed-lock.js';
import { AlreadyConsumedError } from '../stores/types.js';

/**
 * ID-JAGs are redeemed once (RFC 7523 §3: the `jti` MAY be used to refuse
 * replay; SEP-990 SHOULD). The record of a redeemed `jti` lives in the
 * authority's store, through the same `Adapter` interface as codes and
 * refresh tokens, so every instance sharing a store (the file store's state
 * directory, a Redis store) sees it until the ID-JAG would have expired.
 *
 * Claiming is "write the record, then consume it": `consume` is the
 * store's atomic test-and-set (a code redeemed twice at once yields one
 * winner), and the stores keep a consumed record consumed when it is written
 * again (the file store's exclusive `.consumed` marker), so of any number of
 * redemptions, across instances too, exactly one wins. Within this process
 * the claims of one `jti` also run one at a time, so a store whose rewrite
 * clears the mark (the memory store, one process only) is exact as well.
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
 * if (!(await replays.claim(idJag.issuer, idJag.jti, idJag.exp - now + skew))) throw new IdJagError('assertion was already used');
 * ```
 */
export function replayCache(store: AdapterFactory): ReplayCache {
  const adapter = store(REPLAY_MODEL);
  const locks = new KeyedLock();
  return {
    claim(issuer, jti, expiresInSec) {
      // The issuer is part of the key: two IdPs may pick the same jti.
      const id = `${issuer}\u0000${jti}`;
      return locks.run(id, async () => {
        if (await adapter.find(id)) return false;
        await adapter.upsert(id, { iss: issuer, jti }, Math.max(1, Math.ceil(expiresInSec)));
        try {
          await adapter.consume(id);
        } catch (err) {
          if (err instanceof AlreadyConsumedError) return false;
          throw err;
        }
        return true;
      });
    },
  };
}
