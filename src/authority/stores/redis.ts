import type { Redis } from 'ioredis';
import { StoreLayout } from './file-layout.js';
import { CONSUME_SCRIPT, DESTROY_SCRIPT, REVOKE_SCRIPT, SWEEP_SCRIPT, UPSERT_SCRIPT } from './redis-scripts.js';
import { openRedis, guardRedis, type RedisConnectionOptions } from './redis-connection.js';
import {
  AlreadyConsumedError,
  GRANT_MEMBER_MODELS,
  epochSeconds,
  expiresAtFor,
  markerTtlMs,
  type Adapter,
  type AdapterPayload,
  type StoreFactory,
  type StoreOptions,
} from './types.js';

/** Options of `createRedisStore`. */
export interface RedisStoreOptions extends StoreOptions, RedisConnectionOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS). */
  url: string;
  /** Put before every key, so several deployments can share one Redis. Default `gatehouse:`. */
  prefix?: string;
}

export const DEFAULT_REDIS_PREFIX = 'gatehouse:';

type ScriptName = 'ghUpsert' | 'ghConsume' | 'ghDestroy' | 'ghRevoke' | 'ghSweep';
type Scripted = Redis & Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

/** oidc-provider model names (and Gatehouse's own: CimdCache, RefreshChainHead...): no `:` can split a key. */
function checkModel(model: string): string {
  return StoreLayout.checkModel(model);
}

/**
 * The store for several instances: every record in one Redis (or Valkey), so
 * any Gatehouse behind a load balancer sees the clients, grants, codes,
 * sessions and tokens any other wrote. Generic over model names, like the
 * memory and file stores. Expiry is Redis's TTL; writes, consumption and
 * grant revocation are Lua scripts (see redis-scripts.ts), so a code
 * redeemed on two instances at once is consumed once.
 *
 * Every command is bounded (`commandTimeoutMs`); while the connection is
 * down a command fails at once with `StoreUnavailableError` rather than
 * waiting, and the client reconnects by itself.
 *
 * @example
 * ```ts
 * const store = createRedisStore({ url: 'redis://:secret@127.0.0.1:6379/0' });
 * new Provider(issuer, { adapter: store });
 * // on shutdown
 * await store.close();
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): RedisStoreFactory {
  const now = options.now ?? Date.now;
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const redis = openRedis(options.url, options) as Scripted;
  redis.defineCommand('ghUpsert', { numberOfKeys: 0, lua: UPSERT_SCRIPT });
  redis.defineCommand('ghConsume', { numberOfKeys: 0, lua: CONSUME_SCRIPT });
  redis.defineCommand('ghDestroy', { numberOfKeys: 0, lua: DESTROY_SCRIPT });
  redis.defineCommand('ghRevoke', { numberOfKeys: 0, lua: REVOKE_SCRIPT });
  redis.defineCommand('ghSweep', { numberOfKeys: 0, lua: SWEEP_SCRIPT });
  const run = guardRedis(redis);

  async function read(model: string, id: string): Promise<AdapterPayload | undefined> {
    const record = await run(() => redis.hgetall(`${prefix}r:${model}:${id}`));
    if (record.p === undefined) return undefined;
    if (record.e && Number(record.e) <= now()) {
      await run(() => redis.ghDestroy(prefix, model, id));
      return undefined;
    }
    const payload = JSON.parse(record.p) as AdapterPayload;
    if (record.c !== undefined) payload.consumed = Number(record.c);
    return payload;
  }

  async function readBy(model: string, kind: 'uid' | 'userCode', value: string): Promise<AdapterPayload | undefined> {
    const id = await run(() => redis.get(`${prefix}i:${model}:${kind}:${value}`));
    if (id === null) return undefined;
    const payload = await read(model, id);
    return payload && payload[kind] === value ? payload : undefined;
  }

  function adapterFor(modelName: string): Adapter {
    const model = checkModel(modelName);
    return {
      async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
        const { consumed, ...rest } = payload;
        const expiresAt = expiresAtFor(expiresIn, now());
        const ttlMs = expiresAt === undefined ? '' : String(Math.max(1, Math.ceil((expiresIn as number) * 1000)));
        const grantId = GRANT_MEMBER_MODELS.has(model) && typeof payload.grantId === 'string' ? payload.grantId : '';
        await run(() =>
          redis.ghUpsert(
            prefix,
            model,
            id,
            JSON.stringify(rest),
            expiresAt === undefined ? '' : String(expiresAt),
            ttlMs,
            consumed === undefined ? '' : String(consumed),
            typeof payload.uid === 'string' ? payload.uid : '',
            typeof payload.userCode === 'string' ? payload.userCode : '',
            grantId,
          ),
        );
      },
      find: (id: string) => read(model, id),
      findByUid: (uid: string) => readBy(model, 'uid', uid),
      findByUserCode: (userCode: string) => readBy(model, 'userCode', userCode),
      async consume(id: string) {
        const outcome = await run(() => redis.ghConsume(prefix, model, id, String(epochSeconds(now())), String(now())));
        if (outcome === 2) throw new AlreadyConsumedError(model);
      },
      async destroy(id: string) {
        await run(() => redis.ghDestroy(prefix, model, id));
      },
      async revokeByGrantId(grantId: string) {
        await run(() => redis.ghRevoke(prefix, grantId));
      },
    };
  }

  /** `SET NX PX`: one command, so of instances racing for a marker Redis lets exactly one create it. */
  async function createIfAbsent(modelName: string, id: string, expiresInSec: number): Promise<boolean> {
    const model = checkModel(modelName);
    const ttlMs = markerTtlMs(expiresInSec);
    const created = await run(() => redis.set(`${prefix}o:${model}:${id}`, String(now() + ttlMs), 'PX', ttlMs, 'NX'));
    return created === 'OK';
  }

  /** Redis expires records itself; this removes those the store's own clock says are due (tests move it) in batches. */
  async function sweep(): Promise<number> {
    let cursor = '0';
    let removed = 0;
    const strip = `${prefix}r:`.length;
    do {
      const [next, keys] = await run(() => redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}r:*`, 'COUNT', 500));
      cursor = next;
      if (keys.length > 0) removed += Number(await run(() => redis.ghSweep(prefix, String(now()), ...keys.map((key) => key.slice(strip)))));
    } while (cursor !== '0');
    return removed;
  }

  return Object.assign(adapterFor, {
    kind: 'redis' as const,
    createIfAbsent,
    redis,
    prefix,
    sweep,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  });
}

/** A Redis store, with its connection for the parts that share it (keys, revocation channel). */
export interface RedisStoreFactory extends StoreFactory {
  readonly kind: 'redis';
  /** The connection; commands on it are bounded like the store's. */
  readonly redis: Redis;
  /** The key prefix. */
  readonly prefix: string;
}

/** A prefix is user-chosen: its glob characters must match themselves in SCAN. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
