/**
 * The storage behind the authority: oidc-provider's `Adapter`, one instance
 * per model (Session, Grant, AccessToken, RefreshToken, AuthorizationCode,
 * Client, Interaction...). Memory and file stores implement it; a Redis
 * store would too.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

export type { Adapter, AdapterPayload };

/**
 * Makes the adapter of one model; pass it as oidc-provider's `adapter`.
 * Adapters of one factory share one storage.
 *
 * @example
 * ```ts
 * const store = createStore(config.authority);
 * new Provider(issuer, { adapter: store });
 * // on shutdown
 * await store.close();
 * ```
 */
export interface StoreFactory {
  (modelName: string): Adapter;
  /** Which store this is. */
  readonly kind: 'memory' | 'file' | 'redis';
  /**
   * Creates the one-time marker `id` of `model` unless a live one exists:
   * true for the single caller, among every instance sharing the store, that
   * created it; false for everyone else until it expires (`expiresInSec`).
   * A marker is not a record: no adapter reads it, and writing a record of
   * the same id leaves it alone. For replay caches (an ID-JAG's `jti`).
   *
   * @example
   * ```ts
   * if (!(await store.createIfAbsent('IdJagRedeemed', `${iss}\u0000${jti}`, 300))) throw new Error('replayed');
   * ```
   */
  createIfAbsent(model: string, id: string, expiresInSec: number): Promise<boolean>;
  /** Removes expired records and dangling index entries now; resolves to how many files or entries went. */
  sweep(): Promise<number>;
  /** Waits for background work (a sweep) to finish; the store must not be used afterwards. */
  close(): Promise<void>;
}

/** Options every store takes. */
export interface StoreOptions {
  /** The clock, in milliseconds; for tests. */
  now?: () => number;
  /** How often, at most, a write starts a background sweep of expired records. Default 15 minutes. */
  sweepIntervalMs?: number;
  /** Where warnings go (an unreadable record...). Default `console.warn`. */
  warn?: (message: string) => void;
}

/**
 * The models whose records belong to a grant and go when it is revoked, as
 * in oidc-provider's own memory adapter.
 */
export const GRANT_MEMBER_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

export const DEFAULT_SWEEP_INTERVAL_MS = 15 * 60_000;

/**
 * A marker's lifetime in whole milliseconds, at least one (Redis refuses `PX 0`).
 *
 * @example
 * ```ts
 * markerTtlMs(0.5); // 500
 * ```
 */
export function markerTtlMs(expiresInSec: number): number {
  if (!Number.isFinite(expiresInSec)) throw new TypeError(`A marker needs a finite lifetime, not ${expiresInSec}`);
  return Math.max(1, Math.ceil(expiresInSec * 1000));
}

/**
 * When a record stored now with `expiresIn` seconds to live expires, in
 * milliseconds; `undefined` for records that never expire (clients).
 *
 * @example
 * ```ts
 * expiresAtFor(60, Date.now()); // a minute from now
 * ```
 */
export function expiresAtFor(expiresIn: number | undefined, now: number): number | undefined {
  return typeof expiresIn === 'number' && Number.isFinite(expiresIn) ? now + expiresIn * 1000 : undefined;
}

/**
 * `consumed` as oidc-provider's memory adapter sets it: seconds since the epoch.
 *
 * @example
 * ```ts
 * payload.consumed = epochSeconds(Date.now());
 * ```
 */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * Thrown by a store's `consume` when the record was consumed already: of
 * two redemptions of one code (or rotations of one refresh token) racing
 * each other, exactly one wins. oidc-provider checks `consumed` long before
 * it consumes (awaits lie between), so only the store can make this atomic.
 * `consumeOnce` (consume-once.ts) turns it into the OAuth `invalid_grant`.
 */
export class AlreadyConsumedError extends Error {
  constructor(readonly model: string) {
    super(`${model} was already used`);
    this.name = 'AlreadyConsumedError';
  }
}

/**
 * Thrown by a store that cannot reach its backend (Redis down, a command
 * timed out). The authority answers it `503` with `Retry-After`, `/readyz`
 * reports it; it is never a 500.
 *
 * @example
 * ```ts
 * if (err instanceof StoreUnavailableError) return sendJson(res, 503, { error: 'temporarily_unavailable' });
 * ```
 */
export class StoreUnavailableError extends Error {
  readonly code = 'ERR_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
