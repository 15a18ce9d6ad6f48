import { addressBucket, type AddressLimits } from './address-bucket.js';
import { accountBackoff, type AccountLimits } from './account-backoff.js';

/**
 * Throttling of password sign-ins, per account and per client address.
 *
 * An attempt is reserved before its password is checked, so concurrent
 * attempts are counted as they arrive: of 40 parallel guesses only the ones
 * the limits allow reach the hash, the rest are refused at once. The
 * reservation then ends as a failure, a success, or neither (the check
 * itself broke).
 *
 * - Per account: a few failures in a row are free, then each further
 *   attempt waits for a delay that doubles per failure, up to a cap; one
 *   attempt at a time is let through when it is over. A success starts
 *   over. Unknown usernames are counted exactly like real ones, so the
 *   throttle says nothing about who exists; and the delay is bounded, so
 *   nobody can lock a user out for longer than the cap.
 * - Per address: a token bucket of attempts (a success gives its token
 *   back), so one source cannot spray guesses over many accounts.
 */

/** Who is trying: the username typed (as normalised) and where the request came from. */
export interface SignInAttempt {
  account: string;
  address: string;
}

/** An attempt let through; exactly one of its methods should be called once the password was checked. */
export interface SignInReservation {
  readonly allowed: true;
  /** The password was wrong (or the user unknown). */
  fail(): Promise<void>;
  /** The user signed in: the account's failures are forgotten, the address gets its token back. */
  succeed(): Promise<void>;
  /** The check could not be made (e.g. a broken users file): as if the attempt never happened. */
  release(): Promise<void>;
}

/** An attempt refused before any password check. */
export interface SignInRefusal {
  readonly allowed: false;
  /** Whole seconds until an attempt may be let through again (at least 1). */
  readonly retryAfterSec: number;
}

/**
 * Where attempts are counted. The default keeps counts in this process's
 * memory; on the Redis store `createRedisSignInThrottle` implements the
 * same rules there, so that several instances count together.
 */
export interface SignInThrottle {
  reserve(attempt: SignInAttempt): Promise<SignInReservation | SignInRefusal>;
}

export interface SignInThrottleOptions extends AccountLimits, AddressLimits {
  /** Milliseconds since the epoch; tests pass a clock they move by hand. */
  now?: () => number;
}

/**
 * The in-memory throttle (per process).
 *
 * @example
 * ```ts
 * const throttle = createMemorySignInThrottle({ accountFailures: 5, accountMaxDelaySec: 900, addressBurst: 30, addressRefillSec: 10 });
 * const reservation = await throttle.reserve({ account: 'alice', address: '203.0.113.7' });
 * if (!reservation.allowed) return tooManyAttempts(reservation.retryAfterSec);
 * ```
 */
export function createMemorySignInThrottle(options: SignInThrottleOptions): SignInThrottle {
  const now = options.now ?? Date.now;
  const accounts = accountBackoff(options, now);
  const addresses = addressBucket(options, now);

  return {
    async reserve(attempt) {
      // Both are asked before either counts, with no await in between: a refusal by one takes nothing from the other.
      const waits = [accounts.wait(attempt.account), addresses.wait(attempt.address)];
      const longest = Math.max(...waits);
      if (longest > 0) return { allowed: false, retryAfterSec: Math.max(1, Math.ceil(longest / 1000)) };
      accounts.take(attempt.account);
      addresses.take(attempt.address);
      let settled = false;
      const settle = (outcome: 'fail' | 'succeed' | 'release') => {
        if (settled) return Promise.resolve();
        settled = true;
        accounts.settle(attempt.account, outcome);
        addresses.settle(attempt.address, outcome);
        return Promise.resolve();
      };
      return {
        allowed: true,
        fail: () => settle('fail'),
        succeed: () => settle('succeed'),
        release: () => settle('release'),
      };
    },
  };
}
