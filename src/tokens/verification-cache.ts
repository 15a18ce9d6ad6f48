import { TtlCache } from './ttl-cache.js';
import type { AuthInfo, TokenVerifier, VerifyContext } from './types.js';

/** How much of a token's end keys the cache: 384 bits of a signature, or more than any guessable suffix. */
const KEY_CHARS = 64;

/** Options of `cacheVerifications`. */
export interface VerificationCacheOptions {
  /** Longest reuse of one result, in seconds; results never outlive the token's `exp`. */
  ttlSec: number;
  maxEntries: number;
  /** Tokens longer than this are verified every time, so the cache's memory stays bounded. */
  maxCachedTokenBytes?: number;
  now?: () => number;
}

/** A verifier that remembers successful results. */
export interface CachingVerifier extends TokenVerifier {
  readonly cache: { readonly size: number; hits: number; misses: number; clear(): void };
  /**
   * The remembered result for this token and audience, synchronously, or
   * `undefined` (nothing counted) so the caller goes on to `verify`.
   */
  cached(token: string, context: VerifyContext): AuthInfo | undefined;
}

/**
 * Reuses successful verifications of the same token for the same audience.
 * MCP clients send one access token for every request of a session, so the
 * signature check runs once per token instead of once per request. Failures
 * are not cached: they are cheap to repeat and must not stick after a JWKS
 * recovers. The TTL is short so a key removed from the JWKS stops being
 * honoured within `ttlSec`.
 *
 * @example
 * ```ts
 * const verifier = cacheVerifications(createJwtVerifier(options), { ttlSec: 60, maxEntries: 10_000 });
 * ```
 */
export function cacheVerifications(inner: TokenVerifier, options: VerificationCacheOptions): CachingVerifier {
  const now = options.now ?? Date.now;
  const results = new TtlCache<{ token: string; audience: string; info: AuthInfo }>(options.maxEntries, now);
  const maxBytes = options.maxCachedTokenBytes ?? 8192;
  const stats = {
    hits: 0,
    misses: 0,
    get size() {
      return results.size;
    },
    clear() {
      results.clear();
    },
  };

  function cacheable(token: string): boolean {
    return options.ttlSec > 0 && options.maxEntries > 0 && token.length <= maxBytes;
  }

  // The audience and resource are part of the key: with a trusted proxy they can differ per request. Results are
  // keyed by the token's tail (a JWT's signature), with the whole token and the audience compared on the entry:
  // hashing a 1 KB token, or a new string made of it and the audience, costs more than the rest of a hit. Two tokens
  // sharing a tail, or one token sent for two audiences, only replace each other's entry: never a wrong answer.
  function keyOf(token: string): string {
    return token.length > KEY_CHARS ? token.slice(-KEY_CHARS) : token;
  }

  function audienceKey(context: VerifyContext): string {
    return `${context.resource}\n${context.audience.join(' ')}`;
  }

  function cached(token: string, context: VerifyContext): AuthInfo | undefined {
    if (!cacheable(token)) return undefined;
    const hit = results.get(keyOf(token));
    if (!hit || hit.token !== token || hit.audience !== audienceKey(context) || (hit.info.expiresAt !== undefined && hit.info.expiresAt * 1000 <= now())) return undefined;
    stats.hits++;
    return copyOf(hit.info);
  }

  return {
    cache: stats,
    cached,
    async verify(token: string, context: VerifyContext): Promise<AuthInfo> {
      const remembered = cached(token, context);
      if (remembered) return remembered;
      if (!cacheable(token)) return inner.verify(token, context);
      stats.misses++;
      const info = await inner.verify(token, context);
      const untilExpiry = info.expiresAt === undefined ? Infinity : info.expiresAt * 1000 - now();
      results.set(keyOf(token), { token, audience: audienceKey(context), info }, Math.min(options.ttlSec * 1000, untilExpiry));
      return copyOf(info);
    },
  };
}

/**
 * What a caller may change without touching the remembered result: the gate checks the next request's scopes
 * against `scopes`, so a handler that pushes onto its copy must not grant them to every later request.
 */
function copyOf(info: AuthInfo): AuthInfo {
  return { ...info, scopes: [...info.scopes] };
}
