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

/**
 * The key of a verifier's synchronous lookup of what it remembers. A symbol of this module, not a public method
 * name, so no user verifier answers it by accident: only verifiers built here (or handed it) are asked.
 */
export const rememberedResult = Symbol('gatehouse.rememberedResult');

/** A verifier the gate may ask synchronously first (see {@link rememberedBy}). */
export interface RemembersResults {
  [rememberedResult](token: string, context: VerifyContext): AuthInfo | undefined;
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
export function cacheVerifications(inner: TokenVerifier, options: VerificationCacheOptions): CachingVerifier & RemembersResults {
  const now = options.now ?? Date.now;
  const results = new TtlCache<Remembered>(options.maxEntries, now);
  const maxBytes = options.maxCachedTokenBytes ?? 8192;
  const enabled = options.ttlSec > 0 && options.maxEntries > 0;
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
    return enabled && token.length <= maxBytes;
  }

  // The audience and resource are part of the key: with a trusted proxy they can differ per request. Results are
  // keyed by the token's tail (a JWT's signature), with the whole token and the audience compared on the entry:
  // hashing a 1 KB token, or a new string made of it and the audience, costs more than the rest of a hit. Two tokens
  // sharing a tail, or one token sent for two audiences, only replace each other's entry: never a wrong answer.
  function keyOf(token: string): string {
    return token.length > KEY_CHARS ? token.slice(-KEY_CHARS) : token;
  }

  function cached(token: string, context: VerifyContext): AuthInfo | undefined {
    if (!cacheable(token)) return undefined;
    const at = now();
    // One client's token again (most requests of a session): the entry used last, without hashing the key.
    let hit = results.newest(at);
    if (hit?.token !== token) {
      hit = results.get(keyOf(token), at);
      if (hit?.token !== token) return undefined;
    }
    if (!sameAudience(hit.context, context) || (hit.info.expiresAt !== undefined && hit.info.expiresAt * 1000 <= at)) return undefined;
    stats.hits++;
    return copyOf(hit.info);
  }

  return {
    cache: stats,
    cached,
    [rememberedResult]: cached,
    async verify(token: string, context: VerifyContext): Promise<AuthInfo> {
      const remembered = cached(token, context);
      if (remembered) return remembered;
      if (!cacheable(token)) return inner.verify(token, context);
      stats.misses++;
      // What the entry is compared with later: a copy, unless the caller's is frozen (the gate's is), so nobody
      // changes the audience a remembered result stands for.
      const asked = Object.isFrozen(context) && Object.isFrozen(context.audience) ? context : { resource: context.resource, audience: [...context.audience] };
      const info = await inner.verify(token, context);
      const untilExpiry = info.expiresAt === undefined ? Infinity : info.expiresAt * 1000 - now();
      results.set(keyOf(token), { token, context: asked, info }, Math.min(options.ttlSec * 1000, untilExpiry));
      return copyOf(info);
    },
  };
}

/** One remembered verification: the token, what it was checked against, and the result. */
interface Remembered {
  token: string;
  context: Readonly<VerifyContext>;
  info: AuthInfo;
}

/** The same resource and accepted audiences: by identity when the gate passes its one context object, else value by value. */
function sameAudience(remembered: Readonly<VerifyContext>, asked: VerifyContext): boolean {
  if (remembered === asked) return true;
  if (remembered.resource !== asked.resource || remembered.audience.length !== asked.audience.length) return false;
  for (let i = 0; i < asked.audience.length; i++) if (remembered.audience[i] !== asked.audience[i]) return false;
  return true;
}

/**
 * A verifier's remembered result for a token, synchronously, when it can say
 * (a `cacheVerifications` verifier, the built-in one): `undefined` means ask
 * `verify`. The gate calls this first, so a repeated token costs no promise.
 *
 * @example
 * ```ts
 * const info = rememberedBy(verifier, token, context) ?? (await verifier.verify(token, context));
 * ```
 */
export function rememberedBy(verifier: TokenVerifier, token: string, context: VerifyContext): AuthInfo | undefined {
  const lookup = (verifier as Partial<RemembersResults>)[rememberedResult];
  return typeof lookup === 'function' ? lookup(token, context) : undefined;
}

/**
 * What a caller may change without touching the remembered result: the gate checks the next request's scopes
 * against `scopes`, so a handler that pushes onto its copy must not grant them to every later request.
 */
function copyOf(info: AuthInfo): AuthInfo {
  return { ...info, scopes: [...info.scopes] };
}
