/**
 * The HTTP proxy's session owners in Redis, for several instances behind
 * a load balancer: a session opened through one instance is served by any
 * other for its owner, and answered 404 to anyone else, as on one
 * instance. The per-user cap is counted in Redis too, atomically (Lua), so
 * N instances do not allow N times the sessions.
 *
 * Layout under `<GATEHOUSE_REDIS_PREFIX>proxy:`, ids and owners hashed
 * (SHA-256: bounded key sizes, and session ids, which reach the upstream's
 * state, are not readable from Redis):
 *
 * - `s:<hash(session id)>`: a hash, `o` = hash(owner); PEXPIREd to the TTL
 *   on each request (sliding, like the memory registry).
 * - `o:<hash(owner)>`: a sorted set of the owner's sessions (and places
 *   taken for an `initialize` under way, `~<random>`), scored so that a
 *   member older than `now - ttl` is gone: a session by its last use, a
 *   place by when it was taken plus the longest an upstream may take to answer.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { guardRedis, openRedis, type RedisConnectionOptions } from '../../authority/stores/redis-connection.js';
import { DEFAULT_MAX_SESSIONS_PER_USER } from '../../adapters/mcp/session-limit.js';
import type { OwnerCheck, SessionOwnerRegistry } from './owner-registry.js';

/** KEYS: session, owner set. ARGV: owner hash, session hash, now, ttl. 0 unknown, 1 ok, 2 another owner's. */
const CHECK = `
local owner = redis.call('HGET', KEYS[1], 'o')
if not owner then return 0 end
if owner ~= ARGV[1] then return 2 end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
`;

/** Drops the owner set's members past their time; shared by the scripts below. */
const TRIM = `
local function trim(set, now, ttl)
  redis.call('ZREMRANGEBYSCORE', set, '-inf', '(' .. (tonumber(now) - tonumber(ttl)))
end
`;

/** KEYS: owner set. ARGV: now, ttl, max, place, place score. 1 taken, 0 at the cap. */
const RESERVE = `${TRIM}
trim(KEYS[1], ARGV[1], ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[2]), tonumber(ARGV[5]) + tonumber(ARGV[2]) - tonumber(ARGV[1])))
return 1
`;

/**
 * KEYS: session, owner set. ARGV: owner hash, session hash, now, ttl, max, place ('' none), sets' prefix.
 * 1 bound, 0 at the cap (nothing changed).
 */
const BIND = `${TRIM}
local session, set = KEYS[1], KEYS[2]
local owner, member, now, ttl, max, place, sets = unpack(ARGV)
trim(set, now, ttl)
local placed = place ~= '' and redis.call('ZREM', set, place) == 1
local previous = redis.call('HGET', session, 'o')
if not placed and not (previous == owner) and redis.call('ZCARD', set) >= tonumber(max) then return 0 end
-- The same id handed out again: its earlier owner's place goes back.
if previous and previous ~= owner then redis.call('ZREM', sets .. previous, member) end
redis.call('HSET', session, 'o', owner)
redis.call('PEXPIRE', session, ttl)
redis.call('ZADD', set, now, member)
redis.call('PEXPIRE', set, ttl)
return 1
`;

/** KEYS: session. ARGV: session hash, sets' prefix. */
const FORGET = `
local owner = redis.call('HGET', KEYS[1], 'o')
redis.call('DEL', KEYS[1])
if owner then redis.call('ZREM', ARGV[2] .. owner, ARGV[1]) end
return 1
`;

type Scripted = Redis & Record<'ghOwnerCheck' | 'ghOwnerReserve' | 'ghOwnerBind' | 'ghOwnerForget', (...args: (string | number)[]) => Promise<number>>;

/** Options of {@link redisSessionOwners}. */
export interface RedisSessionOwnersOptions extends RedisConnectionOptions {
  /** `GATEHOUSE_REDIS_URL`. */
  url: string;
  /** `GATEHOUSE_REDIS_PREFIX`; the proxy's keys go under `<prefix>proxy:`. */
  prefix: string;
  /** Forget a session after this many ms without a request. */
  ttlMs: number;
  /** Sessions one user may hold at once, across every instance. Default 50. */
  maxPerOwner?: number;
  /** The longest an `initialize` may hold a place before the upstream answers (the proxy's timeouts); a crashed instance's places go after it. */
  placeMs: number;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * Session owners in Redis, on a connection of their own (bounded commands,
 * reconnecting by itself; while Redis is unreachable every call rejects
 * with `StoreUnavailableError`).
 *
 * @example
 * ```ts
 * const owners = redisSessionOwners({ url: 'redis://127.0.0.1:6379', prefix: 'gatehouse:', ttlMs: 86_400_000, placeMs: 130_000 });
 * createHttpProxy({ upstream, signer, publicOrigin, sessionOwners: owners });
 * ```
 */
export function redisSessionOwners(options: RedisSessionOwnersOptions): SessionOwnerRegistry {
  const redis = openRedis(options.url, options) as Scripted;
  redis.defineCommand('ghOwnerCheck', { numberOfKeys: 2, lua: CHECK });
  redis.defineCommand('ghOwnerReserve', { numberOfKeys: 1, lua: RESERVE });
  redis.defineCommand('ghOwnerBind', { numberOfKeys: 2, lua: BIND });
  redis.defineCommand('ghOwnerForget', { numberOfKeys: 1, lua: FORGET });
  const run = guardRedis(redis);
  const { ttlMs } = options;
  const maxPerOwner = options.maxPerOwner ?? DEFAULT_MAX_SESSIONS_PER_USER;
  const base = `${options.prefix}proxy:`;
  const sets = `${base}o:`;
  const sessionKey = (sessionHash: string) => `${base}s:${sessionHash}`;

  return {
    maxPerOwner,
    size: 0,
    async check(sessionId, owner): Promise<OwnerCheck> {
      const ownerHash = digest(owner);
      const sessionHash = digest(sessionId);
      const found = await run(() => redis.ghOwnerCheck(sessionKey(sessionHash), sets + ownerHash, ownerHash, sessionHash, Date.now(), ttlMs));
      return found === 1 ? 'ok' : found === 2 ? 'other-owner' : 'unknown';
    },
    async reserve(owner) {
      const place = `~${randomUUID()}`;
      const now = Date.now();
      const taken = await run(() => redis.ghOwnerReserve(sets + digest(owner), now, ttlMs, maxPerOwner, place, now - ttlMs + options.placeMs));
      return taken === 1 ? place : undefined;
    },
    async release(owner, place) {
      await run(() => redis.zrem(sets + digest(owner), place));
    },
    async bind(sessionId, owner, place) {
      const ownerHash = digest(owner);
      const sessionHash = digest(sessionId);
      const bound = await run(() => redis.ghOwnerBind(sessionKey(sessionHash), sets + ownerHash, ownerHash, sessionHash, Date.now(), ttlMs, maxPerOwner, place ?? '', sets));
      return bound === 1;
    },
    async forget(sessionId) {
      const sessionHash = digest(sessionId);
      await run(() => redis.ghOwnerForget(sessionKey(sessionHash), sessionHash, sets));
    },
    async retryAfterSec(owner) {
      const oldest = await run(() => redis.zrange(sets + digest(owner), '0', '0', 'WITHSCORES'));
      const score = oldest[1] === undefined ? Date.now() : Number(oldest[1]);
      return Math.max(1, Math.ceil((score + ttlMs - Date.now()) / 1000));
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
