import { TtlCache } from '../../tokens/ttl-cache.js';

/**
 * The per-account half of the sign-in throttle: exponential backoff after a
 * few failures in a row, bounded, reset by a success. Attempts in flight
 * count as if they will fail, so a burst cannot slip through before the
 * first failure is recorded.
 */

export interface AccountLimits {
  /** Failures in a row that cost nothing; each further attempt waits. */
  accountFailures: number;
  /** The longest wait, in seconds, however many failures there were. */
  accountMaxDelaySec: number;
}

/** The first wait after the free failures; it doubles with each further failure. */
const FIRST_DELAY_MS = 1000;
/** An account nobody tried for a day starts over (and leaves memory). */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;
/** Accounts followed at once; past that the least recently tried are forgotten first. */
const MAX_ACCOUNTS = 100_000;

interface AccountState {
  /** Failures since the last success. */
  failures: number;
  /** Attempts let through whose password is being checked. */
  pending: number;
  lastFailureAt: number;
}

export interface AccountBackoff {
  /** Milliseconds until an attempt on this account may be let through; 0 now. */
  wait(account: string): number;
  take(account: string): void;
  settle(account: string, outcome: 'fail' | 'succeed' | 'release'): void;
}

/**
 * @example
 * ```ts
 * const backoff = accountBackoff({ accountFailures: 5, accountMaxDelaySec: 900 });
 * if (backoff.wait('alice') === 0) backoff.take('alice');
 * ```
 */
export function accountBackoff(limits: AccountLimits, now: () => number = Date.now, maxAccounts = MAX_ACCOUNTS): AccountBackoff {
  const states = new TtlCache<AccountState>(maxAccounts, now);
  const maxDelayMs = limits.accountMaxDelaySec * 1000;

  function delayAfter(failures: number): number {
    if (failures < limits.accountFailures) return 0;
    return Math.min(maxDelayMs, FIRST_DELAY_MS * 2 ** (failures - limits.accountFailures));
  }

  function stateOf(account: string): AccountState {
    return states.get(account) ?? { failures: 0, pending: 0, lastFailureAt: 0 };
  }

  return {
    wait(account) {
      const state = stateOf(account);
      const counted = state.failures + state.pending;
      if (counted < limits.accountFailures) return 0;
      // Attempts in flight: the wait that starts if they all fail.
      if (state.pending > 0) return delayAfter(counted);
      return Math.max(0, state.lastFailureAt + delayAfter(state.failures) - now());
    },
    take(account) {
      const state = stateOf(account);
      state.pending++;
      states.set(account, state, FORGET_AFTER_MS);
    },
    settle(account, outcome) {
      const state = stateOf(account);
      state.pending = Math.max(0, state.pending - 1);
      if (outcome === 'fail') {
        state.failures++;
        state.lastFailureAt = now();
      } else if (outcome === 'succeed') {
        state.failures = 0;
      }
      states.set(account, state, FORGET_AFTER_MS);
    },
  };
}
