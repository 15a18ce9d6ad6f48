/**
 * The sign-in throttle in Redis, so every instance behind a load balancer
 * counts one account's failures and one address's attempts together: the
 * memory throttle's rules (account-backoff.ts, address-bucket.ts), each
 * reservation and each settle one Lua script, atomic across instances, on
 * the Redis server's own clock.
 *
 * Keys (all under the store's prefix, `signin:`):
 * - `a:<id>` a hash `f` failures since the last success, `l` when (ms) the
 *   last one was; kept a day after the last attempt, as in memory;
 * - `p:<id>` a sorted set of the reservations in flight, scored by when
 *   they lapse: a reservation an instance never settles (it crashed) stops
 *   counting after RESERVATION_TTL_MS instead of holding the account;
 * - `b:<id>` the address's bucket, `t` tokens, `a` when counted; kept until
 *   it would be full again.
 * `<id>` is an HMAC-SHA256 of the username (or address) under a key derived
 * from `GATEHOUSE_SECRET`: a plain hash of a username is reversed by trying
 * a list of names, and whoever reads Redis should not learn who was tried
 * or from where. No password ever reaches the throttle.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { guardRedis } from '../stores/redis-connection.js';
import { addressKey } from './address-bucket.js';
import type { SignInThrottle, SignInThrottleOptions } from './sign-in-throttle.js';

/** How long a reservation counts when nobody settles it; far beyond any password check (queued scrypt, users file read). */
export const RESERVATION_TTL_MS = 60_000;
const FIRST_DELAY_MS = 1000;
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

/** `now`: ARGV[1] when a test moves the clock by hand, else Redis TIME. */
const CLOCK = `
local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local function level(key, burst, refillMs)
  local bucket = redis.call('HMGET', key, 't', 'a')
  if not (bucket[1] and bucket[2]) then return burst end
  return math.min(burst, tonumber(bucket[1]) + math.max(0, now - tonumber(bucket[2])) / refillMs)
end
local function store(key, tokens, burst, refillMs)
  if tokens >= burst then redis.call('DEL', key) return end
  redis.call('HSET', key, 't', string.format('%.17g', tokens), 'a', string.format('%d', now))
  redis.call('PEXPIRE', key, math.max(1, math.ceil((burst - tokens) * refillMs)))
end
`;

/**
 * KEYS: account hash, pending set, address bucket. ARGV: now or '', free
 * failures, max delay ms, first delay ms, burst, refill ms, reservation id,
 * reservation ttl ms, forget ms. Returns 0 (reserved) or the ms to wait.
 */
const RESERVE = `${CLOCK}
local free, maxDelay, first, burst, refillMs = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local pending = redis.call('ZCARD', KEYS[2])
local state = redis.call('HMGET', KEYS[1], 'f', 'l')
local failures, last = tonumber(state[1]) or 0, tonumber(state[2]) or 0
local function delayAfter(n)
  if n < free then return 0 end
  return math.min(maxDelay, first * 2 ^ (n - free))
end
local accountWait = 0
if failures + pending >= free then
  if pending > 0 then accountWait = delayAfter(failures + pending)
  else accountWait = math.max(0, last + delayAfter(failures) - now) end
end
local tokens = level(KEYS[3], burst, refillMs)
local addressWait = 0
if tokens < 1 then addressWait = math.ceil((1 - tokens) * refillMs) end
local longest = math.max(accountWait, addressWait)
if longest > 0 then return math.ceil(longest) end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[8]), ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[9])
store(KEYS[3], tokens - 1, burst, refillMs)
return 0
`;

/** KEYS: as RESERVE. ARGV: now or '', outcome, reservation id, burst, refill ms, forget ms. */
const SETTLE = `${CLOCK}
local outcome, burst, refillMs = ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[3])
if outcome == 'fail' then
  redis.call('HINCRBY', KEYS[1], 'f', 1)
  redis.call('HSET', KEYS[1], 'l', string.format('%d', now))
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
elseif outcome == 'succeed' then
  redis.call('DEL', KEYS[1])
end
if outcome ~= 'fail' then store(KEYS[3], math.min(burst, level(KEYS[3], burst, refillMs) + 1), burst, refillMs) end
return 0
`;

type Scripted = Redis & {
  ghSignInReserve(...args: (string | number)[]): Promise<number>;
  ghSignInSettle(...args: (string | number)[]): Promise<number>;
};

/** Options of {@link createRedisSignInThrottle}. */
export interface RedisSignInThrottleOptions extends SignInThrottleOptions {
  redis: Redis;
  /** The store's key prefix (`GATEHOUSE_REDIS_PREFIX`). */
  prefix: string;
  /** The key that hashes usernames and addresses into key names (derived from `GATEHOUSE_SECRET`). */
  keyKey: Buffer;
}

/**
 * The shared throttle. While Redis is unreachable `reserve` rejects with
 * `StoreUnavailableError` (the sign-in answers 503): no attempt is let
 * through uncounted. A settle that cannot reach Redis rejects too; the
 * reservation then lapses by itself.
 *
 * @example
 * ```ts
 * const throttle = createRedisSignInThrottle({ ...config.authority.signInThrottle, redis: store.redis, prefix: store.prefix, keyKey: deriveKey(secret, 'sign-in throttle') });
 * ```
 */
export function createRedisSignInThrottle(options: RedisSignInThrottleOptions): SignInThrottle {
  const redis = options.redis as Scripted;
  if (typeof redis.ghSignInReserve !== 'function') {
    redis.defineCommand('ghSignInReserve', { numberOfKeys: 3, lua: RESERVE });
    redis.defineCommand('ghSignInSettle', { numberOfKeys: 3, lua: SETTLE });
  }
  const run = guardRedis(redis);
  const clock = () => (options.now ? String(options.now()) : '');
  const id = (kind: string, text: string) => `${options.prefix}signin:${kind}:${createHmac('sha256', options.keyKey).update(text).digest('base64url')}`;
  const refillMs = options.addressRefillSec * 1000;

  return {
    async reserve(attempt) {
      const account = id('a', attempt.account);
      const keys = [account, id('p', attempt.account), id('b', addressKey(attempt.address))];
      const reservation = randomUUID();
      const waitMs = Number(
        await run(() =>
          redis.ghSignInReserve(...keys, clock(), options.accountFailures, options.accountMaxDelaySec * 1000, FIRST_DELAY_MS, options.addressBurst, refillMs, reservation, RESERVATION_TTL_MS, FORGET_AFTER_MS),
        ),
      );
      if (waitMs > 0) return { allowed: false, retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) };
      let settled = false;
      const settle = async (outcome: 'fail' | 'succeed' | 'release') => {
        if (settled) return;
        settled = true;
        await run(() => redis.ghSignInSettle(...keys, clock(), outcome, reservation, options.addressBurst, refillMs, FORGET_AFTER_MS));
      };
      return { allowed: true, fail: () => settle('fail'), succeed: () => settle('succeed'), release: () => settle('release') };
    },
  };
}
