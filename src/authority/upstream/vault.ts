import type { StoreFactory } from '../stores/types.js';
import { UpstreamError } from '../../errors.js';
import { open, seal } from './seal.js';
import type { Upstream, UpstreamIdentity, UpstreamTokenSet } from './types.js';

/**
 * Upstream tokens, server-side only: sealed (seal.ts) and kept through the
 * authority's store, as its own models, so every store (memory, file,
 * Redis) keeps them with no extra work:
 *
 * - `UpstreamToken` `pending:<id>`: the tokens of a sign-in whose consent is
 *   not given yet (as long as an interaction lives);
 * - `UpstreamToken` `<grantId>`: those of a Gatehouse grant, for as long as
 *   the grant lives; dropped when it ends.
 *
 * An access token that expired (or expires within `refreshSkewSec`) is
 * refreshed at the upstream on demand; concurrent requests for one grant
 * share one refresh, so a rotating refresh token is never spent twice.
 */

export const UPSTREAM_TOKEN_MODEL = 'UpstreamToken';

interface Sealed {
  tokens: UpstreamTokenSet;
  identity: UpstreamIdentity;
}

/** The vault of one authority. */
export interface UpstreamVault {
  /** Keeps a fresh sign-in's tokens until consent; returns the handle the interaction carries. */
  savePending(id: string, value: Sealed, ttlSec: number): Promise<void>;
  /** Moves a pending sign-in's tokens to the grant consent created (or extended). False: nothing was pending. */
  bindToGrant(pendingId: string, grantId: string, ttlSec: number): Promise<boolean>;
  /** The grant's upstream access token, refreshed first when it expired. */
  accessTokenFor(grantId: string): Promise<string>;
  /** Who the upstream said signed in for this grant. */
  identityFor(grantId: string): Promise<UpstreamIdentity | undefined>;
  /** Forgets the grant's tokens (the grant ended). */
  drop(grantId: string): Promise<void>;
}

export interface VaultOptions {
  refreshSkewSec?: number;
  now?: () => number;
}

/**
 * Builds the vault over `store` with the sealing key.
 *
 * @example
 * ```ts
 * const vault = createUpstreamVault(store, sealingKey(secret), upstream);
 * await vault.accessTokenFor(grantId);
 * ```
 */
export function createUpstreamVault(store: StoreFactory, key: Buffer, upstream: Upstream, options: VaultOptions = {}): UpstreamVault {
  const adapter = store(UPSTREAM_TOKEN_MODEL);
  const now = options.now ?? Date.now;
  const skewMs = (options.refreshSkewSec ?? 30) * 1000;
  const refreshing = new Map<string, Promise<string>>();

  async function read(id: string): Promise<{ value: Sealed; expiresAt?: number } | undefined> {
    const record = await adapter.find(id);
    if (!record) return undefined;
    const value = open<Sealed>(key, id, record.sealed);
    if (!value) return undefined;
    return { value, expiresAt: typeof record.expiresAt === 'number' ? record.expiresAt : undefined };
  }

  async function write(id: string, value: Sealed, ttlSec: number): Promise<void> {
    await adapter.upsert(id, { sealed: seal(key, id, value), expiresAt: now() + ttlSec * 1000 }, ttlSec);
  }

  function noToken(): UpstreamError {
    return new UpstreamError('ERR_UPSTREAM_NO_TOKEN', `No ${upstream.label} token is kept for this sign-in; sign in again`);
  }

  async function refresh(grantId: string): Promise<string> {
    const record = await read(grantId);
    if (!record) throw noToken();
    const { tokens } = record.value;
    if (tokens.expiresAt === undefined || tokens.expiresAt - skewMs > now()) return tokens.accessToken;
    if (!tokens.refreshToken) throw new UpstreamError('ERR_UPSTREAM_NO_TOKEN', `The ${upstream.label} token of this sign-in expired and cannot be refreshed; sign in again`);
    const fresh = await upstream.refresh(tokens.refreshToken);
    // A refresh answer without a refresh token leaves the old one in use (most upstreams do not rotate).
    const next: UpstreamTokenSet = { ...tokens, ...fresh, refreshToken: fresh.refreshToken ?? tokens.refreshToken };
    const ttlSec = record.expiresAt ? Math.max(1, Math.ceil((record.expiresAt - now()) / 1000)) : 86_400;
    await write(grantId, { ...record.value, tokens: next }, ttlSec);
    return next.accessToken;
  }

  return {
    savePending: (id, value, ttlSec) => write(`pending:${id}`, value, ttlSec),
    async bindToGrant(pendingId, grantId, ttlSec) {
      const record = await read(`pending:${pendingId}`);
      if (!record) return false;
      await write(grantId, record.value, ttlSec);
      await adapter.destroy(`pending:${pendingId}`);
      return true;
    },
    accessTokenFor(grantId) {
      const running = refreshing.get(grantId);
      if (running) return running;
      const started = refresh(grantId).finally(() => refreshing.delete(grantId));
      refreshing.set(grantId, started);
      return started;
    },
    async identityFor(grantId) {
      return (await read(grantId))?.value.identity;
    },
    async drop(grantId) {
      await adapter.destroy(grantId);
    },
  };
}
