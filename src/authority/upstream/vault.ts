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
 * refreshed at the upstream on demand, once however many ask: requests in
 * this process share one refresh, and instances sharing the store take a
 * lease on the grant first (Redis `SET NX PX`); who does not get it waits
 * for the holder's new token to appear in the store. A rotating refresh
 * token is thus never spent twice (the upstream would refuse the second
 * use, and may end the user's session there). The lease outlives the
 * upstream call's own timeout, so it cannot lapse while a refresh is under
 * way.
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
  /** How long one call to the upstream may take (`upstream.timeoutMs`); the refresh lease lasts longer. Default 10 s. */
  upstreamTimeoutMs?: number;
  now?: () => number;
}

/** How often an instance that did not get the refresh lease looks for the holder's new token. */
const LEASE_POLL_MS = 50;

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
  // Longer than the upstream call may take, plus the store writes around it.
  const leaseMs = (options.upstreamTimeoutMs ?? 10_000) + 5_000;

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

  const due = (tokens: UpstreamTokenSet) => tokens.expiresAt !== undefined && tokens.expiresAt - skewMs <= now();

  /** The grant's access token, refreshed by this instance or, when another holds the lease, by that one. */
  async function current(grantId: string): Promise<string> {
    const waitUntil = Date.now() + leaseMs;
    for (;;) {
      const record = await read(grantId);
      if (!record) throw noToken();
      const { tokens } = record.value;
      if (!due(tokens)) return tokens.accessToken;
      if (!tokens.refreshToken) throw new UpstreamError('ERR_UPSTREAM_NO_TOKEN', `The ${upstream.label} token of this sign-in expired and cannot be refreshed; sign in again`);
      const release = await store.lease(`upstream-refresh:${grantId}`, leaseMs);
      if (release) {
        try {
          return await refreshHolding(grantId);
        } finally {
          await release().catch(() => {});
        }
      }
      if (Date.now() >= waitUntil) {
        throw new UpstreamError('ERR_UPSTREAM_UNREACHABLE', `Another Gatehouse instance is refreshing the ${upstream.label} token of this sign-in and has not finished; try again in a moment`);
      }
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
    }
  }

  /** Under the lease: read again (the previous holder may have refreshed since our read), then refresh if still due. */
  async function refreshHolding(grantId: string): Promise<string> {
    const record = await read(grantId);
    if (!record) throw noToken();
    const { tokens } = record.value;
    if (!due(tokens)) return tokens.accessToken;
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
      const started = current(grantId).finally(() => refreshing.delete(grantId));
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
