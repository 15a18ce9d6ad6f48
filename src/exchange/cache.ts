import { decodeJwt } from 'jose';
import { TtlCache } from '../tokens/ttl-cache.js';
import type { NormalisedRequest } from './request.js';
import type { ExchangedToken, TokenExchangeStats } from './types.js';

/**
 * Reuse of exchanged tokens. A tool that calls the same API for the same
 * user many times in a row should cost one round trip to the authorization
 * server, not one per call; and fifty calls that start together should send
 * one request, not fifty.
 */

/** Options of {@link ExchangeCache}. */
export interface ExchangeCacheOptions {
  /** Bound on cached tokens; 0 turns the cache off (coalescing stays). */
  maxEntries: number;
  /** Seconds before expiry a cached token stops being served. */
  refreshSkewSec: number;
}

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The cache key: a SHA-256 of the subject token (so the cache never holds
 * the caller's token itself) and the normalised target and scopes.
 *
 * @example
 * ```ts
 * await cacheKey(token, { audiences: ['https://api.example.com'], resources: [], scopes: ['orders:read'] });
 * ```
 */
export async function cacheKey(subjectToken: string, request: NormalisedRequest): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(subjectToken));
  return JSON.stringify([hex(digest), request.audiences, request.resources, request.scopes]);
}

/**
 * The subject token's expiry in seconds since the epoch: the verified
 * `AuthInfo.expiresAt` when given, else the token's own `exp` claim.
 *
 * @example
 * ```ts
 * subjectExpiry(authInfo.token, authInfo.expiresAt); // 1767225600
 * ```
 */
export function subjectExpiry(subjectToken: string, expiresAt: number | undefined): number | undefined {
  if (typeof expiresAt === 'number') return expiresAt;
  try {
    const { exp } = decodeJwt(subjectToken);
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Cached and in-flight exchanges; cached ones keyed by {@link cacheKey}. A token is
 * served until `refreshSkewSec` before it expires and never after the
 * subject token expires: a downstream token must not outlive the user's
 * own. Failures are never cached.
 *
 * @example
 * ```ts
 * const cache = new ExchangeCache({ maxEntries: 10_000, refreshSkewSec: 30 });
 * const token = await cache.get(flightKey, () => cacheKey(subjectToken, request), subjectExp, () => requestToken());
 * ```
 */
export class ExchangeCache {
  readonly stats: TokenExchangeStats = { requests: 0, cacheHits: 0, coalesced: 0 };
  readonly #tokens: TtlCache<ExchangedToken>;
  readonly #inFlight = new Map<string, Promise<ExchangedToken>>();
  readonly #skewSec: number;

  constructor(options: ExchangeCacheOptions) {
    this.#tokens = new TtlCache(options.maxEntries);
    this.#skewSec = options.refreshSkewSec;
  }

  /**
   * The cached token, else the one `load` fetches. Identical calls made
   * while one is under way share it: they are matched on `flightKey`
   * (subject token and request) before any await, so none slips past the
   * first while the digest behind `cacheKey` is being computed.
   */
  get(flightKey: string, cacheKey: () => Promise<string>, subjectExp: number | undefined, load: () => Promise<ExchangedToken>): Promise<ExchangedToken> {
    const pending = this.#inFlight.get(flightKey);
    if (pending) {
      this.stats.coalesced += 1;
      return pending;
    }
    const started = this.#lookUpOrLoad(cacheKey, subjectExp, load).finally(() => this.#inFlight.delete(flightKey));
    this.#inFlight.set(flightKey, started);
    return started;
  }

  async #lookUpOrLoad(cacheKey: () => Promise<string>, subjectExp: number | undefined, load: () => Promise<ExchangedToken>): Promise<ExchangedToken> {
    const key = await cacheKey();
    const cached = this.#tokens.get(key);
    if (cached) {
      this.stats.cacheHits += 1;
      return withRemainingLifetime(cached);
    }
    this.stats.requests += 1;
    const token = await load();
    this.#tokens.set(key, token, this.#cacheLifetimeMs(token, subjectExp));
    return token;
  }

  clear(): void {
    this.#tokens.clear();
  }

  #cacheLifetimeMs(token: ExchangedToken, subjectExp: number | undefined): number {
    if (token.expiresAt === undefined) return 0;
    const until = Math.min(token.expiresAt - this.#skewSec, subjectExp ?? Number.POSITIVE_INFINITY);
    return until * 1000 - Date.now();
  }
}

function withRemainingLifetime(token: ExchangedToken): ExchangedToken {
  if (token.expiresAt === undefined) return token;
  return { ...token, expiresIn: Math.max(0, token.expiresAt - Math.floor(Date.now() / 1000)) };
}
