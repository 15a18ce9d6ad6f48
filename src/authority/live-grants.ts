import type Provider from 'oidc-provider';
import type { Configuration } from 'oidc-provider';
import { InvalidTokenError, TemporarilyUnavailableError } from '../errors.js';
import { isStoreOutage, STORE_RETRY_AFTER_SEC } from './store-outage.js';
import { ENTERPRISE_ISSUER_CLAIM } from './id-jag/token-claims.js';
import { TtlCache } from '../tokens/ttl-cache.js';
import type { AuthInfo, TokenVerifier, VerifyContext } from '../tokens/types.js';

/**
 * Revocation that reaches the gate. JWT access tokens are not stored, so
 * oidc-provider cannot take one back: revoking a refresh token, a detected
 * code replay or a refresh token reused after its grace window all delete
 * the grant (the user's consent for this client) and its stored tokens, but
 * an access token already handed out would stay valid until it expires.
 *
 * So the authority's access tokens name their grant in a `gid` claim, and
 * the gate, which runs in the same process, checks that the grant still
 * exists, and that the user still has an account (a user removed from the
 * users file loses access at their next request). Client-credentials tokens
 * have no grant and are not checked.
 *
 * A grant found alive is trusted for a few seconds (never past its own
 * expiry) rather than read from the store on every request of a session.
 * That is safe because every revocation in this process makes oidc-provider
 * emit `grant.revoked` / `grant.destroyed`, which forget every remembered
 * grant at once, and on a shared store every other instance's revocations
 * arrive through `revocations` (Redis pub/sub) to the same effect; the short
 * TTL only bounds a store edited behind the process's back or a lost message. The grant id is a random handle that no endpoint accepts:
 * showing it to the client reveals nothing it could use.
 */

export const GRANT_CLAIM = 'gid';

/**
 * oidc-provider's `extraTokenClaims`: the grant id on every access token
 * that has one.
 *
 * @example
 * ```ts
 * new Provider(issuer, { extraTokenClaims: grantIdClaim });
 * ```
 */
export const grantIdClaim: NonNullable<Configuration['extraTokenClaims']> = function grantIdClaim(_ctx, token) {
  const grantId = (token as { grantId?: unknown }).grantId;
  return typeof grantId === 'string' && grantId !== '' ? { [GRANT_CLAIM]: grantId } : undefined;
};

/** The grant id a verified token of the authority carries (its `gid` claim). */
export function grantIdOf(authInfo: AuthInfo): string | undefined {
  const claims = authInfo.extra?.claims as Record<string, unknown> | undefined;
  const value = claims?.[GRANT_CLAIM];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** How long a grant found alive is trusted without reading the store again. */
const LIVE_GRANT_TTL_MS = 5_000;

/** Options of {@link requireLiveGrant}; the defaults suit production. */
export interface LiveGrantOptions {
  /** How long a grant found alive is remembered, in ms (revocations in this process forget it at once). 0: read every time. */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
  /**
   * Whether the user behind a token (its `sub`, issued at its `iat`) still
   * has an account. Asked on every request, uncached here: the users file
   * is edited by another process (`gatehouse users remove`), which no event
   * of this one reports.
   */
  accountIsActive?: (accountId: string, issuedAtSec: number | undefined) => Promise<boolean>;
  /**
   * Revocations on other instances of a shared store (see
   * stores/redis-revocations.ts): this process tells them of its own, and
   * forgets every remembered grant when one of them tells it of theirs.
   * While the channel is down the cache's TTL bounds how late a revocation
   * elsewhere is seen.
   */
  revocations?: RevocationChannel;
}

/** Tells other instances that a grant went, and hears when theirs do. */
export interface RevocationChannel {
  /** Tells the others; never throws (a lost message is bounded by the cache TTL). */
  announce(): void;
  /** Runs `listener` for each revocation another instance announced. */
  onRevocation(listener: () => void): void;
}

/**
 * Wraps the gate's verifier: a token whose grant is gone is refused with
 * 401 `invalid_token`, like an expired one, so the client signs in again.
 *
 * @example
 * ```ts
 * const verifier = requireLiveGrant(cacheVerifications(jwtVerifier, cacheOptions), provider);
 * const gate = createGatehouse(config, { verifier });
 * ```
 */
export function requireLiveGrant(inner: TokenVerifier, provider: Provider, options: LiveGrantOptions = {}): TokenVerifier {
  const now = options.now ?? Date.now;
  const alive = new TtlCache<true>(options.maxEntries ?? 10_000, now);
  // Bumped by every revocation: a store read that began before one must not put its (stale) answer in the cache.
  let revocations = 0;
  function forgetAll(): void {
    revocations++;
    alive.clear();
  }
  function forgetAndAnnounce(): void {
    forgetAll();
    options.revocations?.announce();
  }
  provider.on('grant.revoked', forgetAndAnnounce);
  provider.on('grant.destroyed', forgetAndAnnounce);
  options.revocations?.onRevocation(forgetAll);

  async function grantIsAlive(grantId: string): Promise<boolean> {
    if (alive.get(grantId)) return true;
    const seen = revocations;
    let grant: { exp?: number } | undefined;
    try {
      grant = await provider.Grant.find(grantId);
    } catch (err) {
      // The store is down: the token may well be good, so the client should wait, not sign in again.
      if (isStoreOutage(err)) throw new TemporarilyUnavailableError("The authorization server's store is unreachable; try again in a few seconds", STORE_RETRY_AFTER_SEC, { cause: err });
      throw new InvalidTokenError('ERR_VERIFICATION_FAILED', 'The authorization behind this token could not be checked; see the server log', { cause: err });
    }
    if (!grant) return false;
    if (seen === revocations) {
      const untilExpiry = typeof grant.exp === 'number' ? grant.exp * 1000 - now() : Infinity;
      alive.set(grantId, true, Math.min(options.ttlMs ?? LIVE_GRANT_TTL_MS, untilExpiry));
    }
    return true;
  }

  return {
    async verify(token: string, context: VerifyContext): Promise<AuthInfo> {
      const authInfo = await inner.verify(token, context);
      const grantId = grantIdOf(authInfo);
      if (grantId === undefined) return authInfo;
      if (!(await grantIsAlive(grantId))) {
        throw new InvalidTokenError('ERR_TOKEN_INACTIVE', 'The authorization behind this token was revoked or has ended; sign in again');
      }
      const claims = authInfo.extra?.claims as Record<string, unknown> | undefined;
      // An enterprise user (a token for an ID-JAG) has no local account: the enterprise IdP vouched for them, and the grant ends with the token.
      if (options.accountIsActive && typeof claims?.sub === 'string' && claims[ENTERPRISE_ISSUER_CLAIM] === undefined) {
        let active: boolean;
        try {
          active = await options.accountIsActive(claims.sub, typeof claims.iat === 'number' ? claims.iat : undefined);
        } catch (err) {
          throw new InvalidTokenError('ERR_VERIFICATION_FAILED', 'The account behind this token could not be checked; see the server log', { cause: err });
        }
        if (!active) throw new InvalidTokenError('ERR_TOKEN_INACTIVE', 'The account behind this token was removed or has changed; sign in again');
      }
      return authInfo;
    },
  };
}
