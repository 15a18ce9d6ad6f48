/**
 * The Lua scripts of the Redis store. Each runs atomically on the server, so
 * two Gatehouse instances writing, consuming or revoking the same record at
 * once see one order: a code redeemed on two instances at the same moment
 * is consumed by exactly one.
 *
 * Layout under the prefix `P` (default `gatehouse:`):
 *
 * - `P r:<Model>:<id>`: a hash, the record: `p` the payload as JSON without
 *   `consumed`, `c` the consumption time (epoch seconds) once consumed, `e`
 *   when it expires by the store's clock (ms, empty when never), and the
 *   index fields `u` (uid), `uc` (userCode), `g` (grantId) that removal
 *   needs without parsing JSON. Redis's own TTL (PEXPIRE) drops it when due.
 * - `P i:<Model>:uid:<uid>` and `P i:<Model>:userCode:<code>`: the id, same TTL.
 * - `P g:<grantId>`: a set of `<Model>:<id>` members of a grant, living as
 *   long as its longest-lived member.
 * - `P o:<Model>:<id>`: a one-time marker (`createIfAbsent`), a plain string
 *   written with `SET NX PX` (no script needed), never a record.
 *
 * The payload is never decoded in Lua: cjson turns `[]` into `{}`, which
 * would corrupt redirect URIs and scopes. Key names are computed inside the
 * scripts, so the store runs on a single Redis (or a primary with replicas),
 * not on Redis Cluster.
 */

/** Removes one record and its index entries; shared by the scripts below. */
const REMOVE = `
local function remove(prefix, model, id)
  local key = prefix .. 'r:' .. model .. ':' .. id
  local fields = redis.call('HMGET', key, 'u', 'uc', 'g')
  if fields[1] then
    local index = prefix .. 'i:' .. model .. ':uid:' .. fields[1]
    if redis.call('GET', index) == id then redis.call('DEL', index) end
  end
  if fields[2] then
    local index = prefix .. 'i:' .. model .. ':userCode:' .. fields[2]
    if redis.call('GET', index) == id then redis.call('DEL', index) end
  end
  if fields[3] then redis.call('SREM', prefix .. 'g:' .. fields[3], model .. ':' .. id) end
  return redis.call('DEL', key)
end
`;

/**
 * ARGV: prefix, model, id, payload JSON, expiresAt ('' = never), ttlMs ('' = none),
 * consumed (''), uid (''), userCode (''), grantId ('' or not a grant member).
 */
export const UPSERT_SCRIPT = `${REMOVE}
local prefix, model, id, payload, expiresAt, ttl, consumed, uid, userCode, grantId = unpack(ARGV)
remove(prefix, model, id)
local key = prefix .. 'r:' .. model .. ':' .. id
redis.call('HSET', key, 'p', payload, 'e', expiresAt)
if consumed ~= '' then redis.call('HSET', key, 'c', consumed) end
local function expire(k)
  if ttl ~= '' then redis.call('PEXPIRE', k, ttl) end
end
expire(key)
if uid ~= '' then
  redis.call('HSET', key, 'u', uid)
  local index = prefix .. 'i:' .. model .. ':uid:' .. uid
  redis.call('SET', index, id)
  expire(index)
end
if userCode ~= '' then
  redis.call('HSET', key, 'uc', userCode)
  local index = prefix .. 'i:' .. model .. ':userCode:' .. userCode
  redis.call('SET', index, id)
  expire(index)
end
if grantId ~= '' then
  redis.call('HSET', key, 'g', grantId)
  local members = prefix .. 'g:' .. grantId
  -- -2: a new set; -1: a member that never expires keeps it for good.
  local left = redis.call('PTTL', members)
  redis.call('SADD', members, model .. ':' .. id)
  if ttl == '' then
    redis.call('PERSIST', members)
  elseif left == -2 or (left ~= -1 and left < tonumber(ttl)) then
    redis.call('PEXPIRE', members, ttl)
  end
end
return 1
`;

/**
 * Marks a record consumed unless it already is. ARGV: prefix, model, id, consumed (epoch s), now (ms).
 * Returns 0 when there is no live record, 1 when this call consumed it, 2 when it was consumed before.
 */
export const CONSUME_SCRIPT = `
local prefix, model, id, consumed, now = unpack(ARGV)
local key = prefix .. 'r:' .. model .. ':' .. id
local expiresAt = redis.call('HGET', key, 'e')
if not expiresAt then return 0 end
if expiresAt ~= '' and tonumber(expiresAt) <= tonumber(now) then return 0 end
if redis.call('HSETNX', key, 'c', consumed) == 1 then return 1 end
return 2
`;

/** ARGV: prefix, model, id. Returns 1 when a record went. */
export const DESTROY_SCRIPT = `${REMOVE}
local prefix, model, id = unpack(ARGV)
return remove(prefix, model, id)
`;

/**
 * Removes every record of a grant whose `g` still names it (a record saved
 * again under another grant stays). ARGV: prefix, grantId. Returns how many went.
 */
export const REVOKE_SCRIPT = `${REMOVE}
local prefix, grantId = unpack(ARGV)
local members = prefix .. 'g:' .. grantId
local removed = 0
for _, member in ipairs(redis.call('SMEMBERS', members)) do
  local model, id = string.match(member, '^([^:]+):(.*)$')
  if model and redis.call('HGET', prefix .. 'r:' .. member, 'g') == grantId then
    removed = removed + remove(prefix, model, id)
  end
end
redis.call('DEL', members)
return removed
`;

/**
 * Removes the records among KEYS-like names in ARGV (record keys without the
 * prefix, `<Model>:<id>`) whose store-clock expiry has passed, and grant
 * members whose record is gone. ARGV: prefix, now (ms), then names.
 * Returns how many records went.
 */
export const SWEEP_SCRIPT = `${REMOVE}
local prefix, now = ARGV[1], tonumber(ARGV[2])
local removed = 0
for i = 3, #ARGV do
  local member = ARGV[i]
  local expiresAt = redis.call('HGET', prefix .. 'r:' .. member, 'e')
  if expiresAt and expiresAt ~= '' and tonumber(expiresAt) <= now then
    local model, id = string.match(member, '^([^:]+):(.*)$')
    removed = removed + remove(prefix, model, id)
  end
end
return removed
`;
