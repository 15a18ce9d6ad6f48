/**
 * What an authority instance keeps where every instance sees it. On the
 * file and memory stores that is this process's state directory; on Redis
 * the signing keys move into the store (sealed with `GATEHOUSE_SECRET`) and
 * the cookie key is derived from that secret, so a browser that signed in
 * through one instance is recognised by the next.
 */
import type { GatehouseConfig } from '../config/schema.js';
import type { AuthorityConfig } from '../config/sections/authority.js';
import { ConfigError } from '../errors.js';
import { loadLiveKeys, loadOrCreateSecret, type LiveAuthorityKeys } from './keys/index.js';
import type { SharedKeyFile } from './keys/state.js';
import { describeRedisUrl } from './stores/redis-connection.js';
import { deriveKey, redisKeyFile } from './stores/redis-key-file.js';
import type { RedisStoreFactory } from './stores/redis.js';
import type { StoreFactory } from './stores/types.js';

/** How often instances on a shared store re-read the signing keys: a rotation anywhere is used everywhere within this. */
export const SHARED_KEY_REFRESH_MS = 2000;

/** The settings that say whether and how state is shared. */
export type SharedStoreSettings = Pick<AuthorityConfig, 'store' | 'secret' | 'redisUrl'>;

/** Options of {@link loadInstanceSecrets}. */
export interface InstanceSecretOptions {
  /** Overrides of the key refresh (tests). */
  keyRefresh?: { intervalMs?: number; now?: () => number };
  warn: (message: string) => void;
}

/**
 * The signing keys and cookie key for this instance, from the state
 * directory or, on Redis, from the store and `GATEHOUSE_SECRET`.
 *
 * @example
 * ```ts
 * const { keys, cookieKey } = await loadInstanceSecrets(config, store, { warn });
 * ```
 */
export async function loadInstanceSecrets(
  config: GatehouseConfig,
  store: StoreFactory,
  options: InstanceSecretOptions,
): Promise<{ keys: LiveAuthorityKeys; cookieKey: string }> {
  const { stateDir, store: storeKind, signingAlgorithms } = config.authority;
  const keyStore = storeKind === 'redis' ? sharedKeyFile(config.authority, store as RedisStoreFactory) : undefined;
  const persist = storeKind !== 'memory';
  const keys = await loadLiveKeys({
    stateDir,
    algorithms: signingAlgorithms,
    persist,
    keyStore,
    refreshIntervalMs: options.keyRefresh?.intervalMs ?? (keyStore ? SHARED_KEY_REFRESH_MS : undefined),
    now: options.keyRefresh?.now,
    warn: options.warn,
  });
  const cookieKey = keyStore ? deriveKey(config.authority.secret!, 'cookies').toString('base64url') : await loadOrCreateSecret(stateDir, 'cookies', { persist });
  return { keys, cookieKey };
}

/**
 * Stops the start when a shared store has no `GATEHOUSE_SECRET` (keys in
 * Redis are never kept in the clear); checked before any connection opens.
 *
 * @example
 * ```ts
 * requireSharedSecret(config.authority); // throws ConfigError on redis without a secret
 * ```
 */
export function requireSharedSecret(authority: SharedStoreSettings): void {
  if (authority.store !== 'redis' || authority.secret) return;
  throw new ConfigError(
    'authority.store (GATEHOUSE_STORE) "redis" needs authority.secret (GATEHOUSE_SECRET): at least 32 random characters, the same on every ' +
      'instance (e.g. openssl rand -base64 32). It encrypts the signing keys kept in Redis and keys the sign-in cookies.',
  );
}

/**
 * The key file every instance on this Redis store shares.
 *
 * @example
 * ```ts
 * const keyStore = sharedKeyFile(config.authority, store);
 * ```
 */
export function sharedKeyFile(authority: SharedStoreSettings, store: RedisStoreFactory): SharedKeyFile {
  requireSharedSecret(authority);
  return redisKeyFile(store.redis, store.prefix, authority.secret!, describeRedisUrl(authority.redisUrl ?? ''));
}
