/**
 * Rate-limit buckets in Redis, so every instance behind a load balancer
 * counts against the same limit: a burst spent through one instance is
 * spent for all (on `GATEHOUSE_STORE=redis`, where the authority uses it).
 */
import { createHash, createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import { guardRedis } from '../stores/redis-connection.js';
import type { BucketLimit, BucketStore } from './bucket-store.js';

/**
 * The memory store's arithmetic, atomically on one hash per key: `t` the
 * tokens left, `a` when (ms) they were counted. The clock is the Redis
 * server's own (TIME), so instances whose clocks differ still agree. The
 * key expires when the bucket would be full again, the same as no key.
 * KEYS: the bucket. ARGV: burst, refill ms. Returns 0 when a token was
 * taken, else the ms until one will be there.
 */
const TAKE = `
local burst, refillMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = burst
if bucket[1] and bucket[2] then
  tokens = math.min(burst, tonumber(bucket[1]) + math.max(0, now - tonumber(bucket[2])) / refillMs)
end
if tokens < 1 then return math.ceil((1 - tokens) * refillMs) end
redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens - 1), 'a', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((burst - tokens + 1) * refillMs)))
return 0
`;

type Scripted = Redis & { ghBucketTake(key: string, burst: number, refillMs: number): Promise<number> };

/**
 * Buckets under `<prefix>rl:<hash of key>` (a key names a client id, an
 * address or a username: hashed, its size is bounded whatever a caller
 * sends). With `nameKey` (derived from `GATEHOUSE_SECRET`) the hash is an
 * HMAC, so whoever reads Redis cannot test a list of usernames or
 * addresses against the key names. While
 * Redis is unreachable `take` rejects with `StoreUnavailableError`: the
 * token endpoint then answers 503 like every other store outage.
 *
 * @example
 * ```ts
 * const buckets = redisBucketStore(store.redis, store.prefix);
 * await buckets.take('token:client:robot', { burst: 300, refillSec: 0.1 }); // 0, or ms to wait
 * ```
 */
export function redisBucketStore(redis: Redis, prefix: string, nameKey?: Buffer): BucketStore {
  const scripted = redis as Scripted;
  if (typeof scripted.ghBucketTake !== 'function') redis.defineCommand('ghBucketTake', { numberOfKeys: 1, lua: TAKE });
  const run = guardRedis(redis);
  return {
    async take(key: string, limit: BucketLimit) {
      const name = `${prefix}rl:${(nameKey ? createHmac('sha256', nameKey) : createHash('sha256')).update(key).digest('base64url')}`;
      return Number(await run(() => scripted.ghBucketTake(name, limit.burst, limit.refillSec * 1000)));
    },
  };
}
