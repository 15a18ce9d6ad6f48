import { TtlCache } from '../../tokens/ttl-cache.js';

/**
 * Where rate-limit buckets live. The default keeps them in this process's
 * memory; a shared store (Redis, through the same keys) makes instances
 * count together: implementing this one method is all it takes, e.g. a
 * Lua script doing the same arithmetic atomically on one hash per key.
 */

/** How fast a key may go: `burst` at once, then one more per `refillSec`. */
export interface BucketLimit {
  burst: number;
  refillSec: number;
}

/** Token buckets by key. */
export interface BucketStore {
  /**
   * Takes one token from the bucket of `key` when it has one and resolves
   * to 0; otherwise takes nothing and resolves to the milliseconds until
   * it will have one.
   */
  take(key: string, limit: BucketLimit): Promise<number>;
}

/** Keys followed at once; past that the least recently seen are forgotten first (a flood of fresh keys cannot fill memory). */
const MAX_KEYS = 100_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The in-memory bucket store (per process).
 *
 * @example
 * ```ts
 * const buckets = memoryBucketStore();
 * const waitMs = await buckets.take('token:client:abc', { burst: 300, refillSec: 0.1 });
 * if (waitMs > 0) return tooManyRequests(Math.ceil(waitMs / 1000));
 * ```
 */
export function memoryBucketStore(options: { now?: () => number; maxKeys?: number } = {}): BucketStore {
  const now = options.now ?? Date.now;
  const buckets = new TtlCache<Bucket>(options.maxKeys ?? MAX_KEYS, now);
  return {
    async take(key, limit) {
      const refillMs = limit.refillSec * 1000;
      const at = now();
      const bucket = buckets.get(key);
      const tokens = bucket ? Math.min(limit.burst, bucket.tokens + Math.max(0, at - bucket.at) / refillMs) : limit.burst;
      if (tokens < 1) return Math.ceil((1 - tokens) * refillMs);
      // Kept until it would be full again: then it is the same as no entry.
      buckets.set(key, { tokens: tokens - 1, at }, Math.max(1, (limit.burst - tokens + 1) * refillMs));
      return 0;
    },
  };
}
