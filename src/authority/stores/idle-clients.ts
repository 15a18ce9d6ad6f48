import { TtlCache } from '../../tokens/ttl-cache.js';
import type { Adapter, StoreFactory } from './types.js';

/** A client in use is written again at most this often, not on every request that names it. */
const TOUCH_INTERVAL_MS = 86_400_000;
/** Clients whose last touch this process remembers; past that a use costs one extra write. */
const MAX_TOUCHED = 100_000;

export interface IdleClientOptions {
  /** Seconds a dynamically registered client lives without being used. */
  idleSec: number;
  /** The clock, in milliseconds; for tests. */
  now?: () => number;
}

/**
 * Dynamically registered clients expire when nobody uses them: the store
 * keeps each for `idleSec` from its registration, and every lookup of it
 * (an authorization or token request naming it) starts that time over,
 * at most once a day per client and process, so a busy client costs one
 * write a day, not one per request. Without this every registration,
 * abandoned or hostile, stays in the store forever.
 *
 * Configured clients (`authority.clients`) never reach the store
 * (oidc-provider answers them from memory) and so never expire; Client ID
 * Metadata Document clients are not stored either.
 *
 * @example
 * ```ts
 * const store = expireIdleClients(createStore(config.authority), { idleSec: 30 * 86_400 });
 * new Provider(issuer, { adapter: store });
 * ```
 */
export function expireIdleClients(store: StoreFactory, options: IdleClientOptions): StoreFactory {
  const now = options.now ?? Date.now;
  const touched = new TtlCache<true>(MAX_TOUCHED, now);

  function clientAdapter(inner: Adapter): Adapter {
    return {
      upsert(id, payload, expiresIn) {
        touched.set(id, true, TOUCH_INTERVAL_MS);
        return inner.upsert(id, payload, expiresIn ?? options.idleSec);
      },
      async find(id) {
        const payload = await inner.find(id);
        if (payload && !touched.get(id)) {
          touched.set(id, true, TOUCH_INTERVAL_MS);
          await inner.upsert(id, payload, options.idleSec);
        }
        return payload;
      },
      destroy: (id) => inner.destroy(id),
      findByUserCode: (code) => inner.findByUserCode(code),
      findByUid: (uid) => inner.findByUid(uid),
      consume: (id) => inner.consume(id),
      revokeByGrantId: (grantId) => inner.revokeByGrantId(grantId),
    };
  }

  const wrapped = (modelName: string): Adapter => (modelName === 'Client' ? clientAdapter(store(modelName)) : store(modelName));
  return Object.assign(wrapped, {
    kind: store.kind,
    createIfAbsent: (model: string, id: string, expiresInSec: number) => store.createIfAbsent(model, id, expiresInSec),
    sweep: () => store.sweep(),
    close: () => store.close(),
  });
}
