/**
 * Where the authority keeps sessions, grants, codes, tokens and registered
 * clients, behind oidc-provider's adapter interface.
 */
import type { AuthorityConfig } from '../../config/sections/authority.js';
import { ConfigError } from '../../errors.js';
import { createFileStore } from './file.js';
import { createMemoryStore } from './memory.js';
import type { StoreFactory, StoreOptions } from './types.js';

export { createFileStore, type FileStoreOptions } from './file.js';
export { createMemoryStore } from './memory.js';
export { GRANT_MEMBER_MODELS, type Adapter, type AdapterPayload, type StoreFactory, type StoreOptions } from './types.js';

/**
 * The store the config asks for: `file` (the default, under
 * `<stateDir>/store/`) or `memory`. `redis` is not available yet: the
 * interface is ready for it, and asking for it stops the start with a
 * `ConfigError` rather than silently keeping state in memory.
 *
 * @example
 * ```ts
 * const store = createStore(config.authority);
 * new Provider(issuer, { adapter: store });
 * ```
 */
export function createStore(authority: Pick<AuthorityConfig, 'store' | 'stateDir'>, options: StoreOptions = {}): StoreFactory {
  switch (authority.store) {
    case 'memory':
      return createMemoryStore(options);
    case 'file':
      return createFileStore({ ...options, stateDir: authority.stateDir });
    case 'redis':
      throw new ConfigError(
        'authority.store (GATEHOUSE_STORE) "redis" is not available yet. Use "file" (the default: state under GATEHOUSE_STATE_DIR, ' +
          'which survives restarts on one machine) or "memory".',
      );
    default:
      throw new ConfigError(`authority.store (GATEHOUSE_STORE) "${String(authority.store)}" is unknown; use "file" or "memory"`);
  }
}
