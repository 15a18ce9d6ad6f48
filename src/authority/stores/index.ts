/**
 * Where the authority keeps sessions, grants, codes, tokens and registered
 * clients, behind oidc-provider's adapter interface.
 */
import type { AuthorityConfig } from '../../config/sections/authority.js';
import { ConfigError } from '../../errors.js';
import { createFileStore } from './file.js';
import { createMemoryStore } from './memory.js';
import { createRedisStore } from './redis.js';
import type { StoreFactory, StoreOptions } from './types.js';

export { createFileStore, type FileStoreOptions } from './file.js';
export { createMemoryStore } from './memory.js';
export { createRedisStore, type RedisStoreFactory, type RedisStoreOptions } from './redis.js';
export { GRANT_MEMBER_MODELS, StoreUnavailableError, type Adapter, type AdapterPayload, type StoreFactory, type StoreOptions } from './types.js';

/**
 * The store the config asks for: `file` (the default, under
 * `<stateDir>/store/`), `memory`, or `redis` (`redisUrl`, keys under
 * `redisPrefix`), the one several instances can share. `redis` without a
 * URL stops the start with a `ConfigError` rather than silently keeping
 * state elsewhere.
 *
 * @example
 * ```ts
 * const store = createStore(config.authority);
 * new Provider(issuer, { adapter: store });
 * ```
 */
export function createStore(authority: Pick<AuthorityConfig, 'store' | 'stateDir'> & Partial<Pick<AuthorityConfig, 'redisUrl' | 'redisPrefix'>>, options: StoreOptions = {}): StoreFactory {
  switch (authority.store) {
    case 'memory':
      return createMemoryStore(options);
    case 'file':
      return createFileStore({ ...options, stateDir: authority.stateDir });
    case 'redis':
      if (!authority.redisUrl) {
        throw new ConfigError(
          'authority.store (GATEHOUSE_STORE) "redis" needs authority.redisUrl (GATEHOUSE_REDIS_URL), e.g. redis://:password@redis.internal:6379/0 or rediss://... for TLS',
        );
      }
      return createRedisStore({ ...options, url: authority.redisUrl, prefix: authority.redisPrefix });
    default:
      throw new ConfigError(`authority.store (GATEHOUSE_STORE) "${String(authority.store)}" is unknown; use "file", "memory" or "redis"`);
  }
}
