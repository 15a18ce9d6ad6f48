import { addressKey } from '../identity/address-bucket.js';
import type { SignInThrottle } from '../identity/sign-in-throttle.js';
import type { BucketStore } from './bucket-store.js';

/** The ceilings of {@link sharedSignInLimits} (`authority.signInRateLimit`). */
export interface SignInRateLimit {
  accountBurst: number;
  accountRefillSec: number;
  addressBurst: number;
  addressRefillSec: number;
}

/**
 * Puts the rate-limit store in front of a sign-in throttle: every attempt
 * takes a token from its account's bucket and from its address's (an IPv6
 * /64 counts as one) before the throttle is asked. The throttle keeps the
 * fine rules (failures back off, a success gives back; on Redis shared by
 * every instance too, redis-sign-in-throttle.ts); these buckets cap every
 * attempt whatever its outcome, so N instances do not give an attacker N
 * times the guesses.
 *
 * The account is asked first: a refused account takes nothing from the
 * address, so one user's lock-out costs a shared egress nothing.
 *
 * @example
 * ```ts
 * const throttle = sharedSignInLimits(createMemorySignInThrottle(config.authority.signInThrottle), buckets, config.authority.signInRateLimit);
 * ```
 */
export function sharedSignInLimits(inner: SignInThrottle, buckets: BucketStore, limits: SignInRateLimit): SignInThrottle {
  const account = { burst: limits.accountBurst, refillSec: limits.accountRefillSec };
  const address = { burst: limits.addressBurst, refillSec: limits.addressRefillSec };
  return {
    async reserve(attempt) {
      const waitMs = (await buckets.take(`signin:account:${attempt.account}`, account)) || (await buckets.take(`signin:address:${addressKey(attempt.address)}`, address));
      if (waitMs > 0) return { allowed: false, retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) };
      return inner.reserve(attempt);
    },
  };
}
