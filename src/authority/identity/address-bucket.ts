import { isIPv4, isIPv6 } from 'node:net';
import { TtlCache } from '../../tokens/ttl-cache.js';

/**
 * The per-address half of the sign-in throttle: a token bucket of attempts
 * per client address. Each attempt takes a token, a success gives it back,
 * and tokens come back one per `addressRefillSec`. IPv6 addresses count per
 * /64, the block one subscriber usually gets, so rotating addresses inside
 * it does not reset the count.
 */

export interface AddressLimits {
  /** Attempts an address may make in a burst. */
  addressBurst: number;
  /** Seconds for one more attempt to come back. */
  addressRefillSec: number;
}

/** Sources followed at once; past that the least recently seen are forgotten first. */
const MAX_ADDRESSES = 100_000;

interface Bucket {
  tokens: number;
  at: number;
}

export interface AddressBucket {
  /** Milliseconds until this address has a token; 0 now. */
  wait(address: string): number;
  take(address: string): void;
  settle(address: string, outcome: 'fail' | 'succeed' | 'release'): void;
}

/**
 * @example
 * ```ts
 * const buckets = addressBucket({ addressBurst: 30, addressRefillSec: 10 });
 * if (buckets.wait('203.0.113.7') === 0) buckets.take('203.0.113.7');
 * ```
 */
export function addressBucket(limits: AddressLimits, now: () => number = Date.now, maxAddresses = MAX_ADDRESSES): AddressBucket {
  const buckets = new TtlCache<Bucket>(maxAddresses, now);
  const refillMs = limits.addressRefillSec * 1000;

  function level(key: string): number {
    const at = now();
    const bucket = buckets.get(key);
    if (!bucket) return limits.addressBurst;
    return Math.min(limits.addressBurst, bucket.tokens + Math.max(0, at - bucket.at) / refillMs);
  }

  function store(key: string, tokens: number): void {
    // Kept until it would be full again: then it is the same as no entry.
    buckets.set(key, { tokens, at: now() }, Math.max(1, (limits.addressBurst - tokens) * refillMs));
  }

  return {
    wait(address) {
      const tokens = level(addressKey(address));
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) * refillMs);
    },
    take(address) {
      const key = addressKey(address);
      store(key, level(key) - 1);
    },
    settle(address, outcome) {
      if (outcome === 'fail') return;
      const key = addressKey(address);
      store(key, Math.min(limits.addressBurst, level(key) + 1));
    },
  };
}

/**
 * The unit an address is counted in: an IPv4 address (also when written as
 * IPv4-mapped IPv6), or the /64 of an IPv6 address.
 *
 * @example
 * ```ts
 * addressKey('::ffff:203.0.113.7');        // '203.0.113.7'
 * addressKey('2001:db8:1:2:aaaa::1');      // '2001:db8:1:2::/64'
 * ```
 */
export function addressKey(address: string): string {
  const bare = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(bare)) return bare;
  const [head = '', tail = ''] = bare.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = bare.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = bare.includes('::') ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : headGroups;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
