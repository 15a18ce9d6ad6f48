/**
 * What the Redis store adds to the contract every store keeps
 * (adapter-contract.test.ts): two instances on one Redis, Redis's own TTLs,
 * credentials in the URL never shown, and an outage that is an error, not a hang.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, startRedisServer, type TestRedis } from '../../../tests/helpers/redis-server.js';
import { describeRedisUrl } from './redis-connection.js';
import { createRedisStore, type RedisStoreFactory } from './redis.js';
import { AlreadyConsumedError, StoreUnavailableError } from './types.js';

describeWithRedis('the Redis store', () => {
  let server: TestRedis;
  const stores: RedisStoreFactory[] = [];
  const warnings: string[] = [];
  const open = (prefix: string, extra: Partial<Parameters<typeof createRedisStore>[0]> = {}) => {
    const store = createRedisStore({ url: server.url, prefix, warn: (m) => warnings.push(m), ...extra });
    stores.push(store);
    return store;
  };
  beforeAll(async () => {
    server = await startRedisServer({ password: 'pa55-w0rd-redis', aof: true });
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await server.close();
  });

  it('shares records between two instances (two connections, one prefix), and keeps prefixes apart', async () => {
    const a = open('shared:');
    const b = open('shared:');
    const other = open('other:');
    await a('Client').upsert('c1', { client_id: 'c1', redirect_uris: [], grant_types: ['authorization_code'] });
    // Empty arrays come back as arrays: the payload is never decoded by Lua.
    expect(await b('Client').find('c1')).toEqual({ client_id: 'c1', redirect_uris: [], grant_types: ['authorization_code'] });
    expect(await other('Client').find('c1')).toBeUndefined();
  });

  it('lets exactly one of two instances consume a code redeemed on both at once', async () => {
    const a = open('race:');
    const b = open('race:');
    for (let round = 0; round < 20; round++) {
      await a('AuthorizationCode').upsert(`code-${round}`, { jti: `code-${round}`, grantId: 'g' }, 60);
      const results = await Promise.allSettled([a('AuthorizationCode').consume(`code-${round}`), b('AuthorizationCode').consume(`code-${round}`)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(AlreadyConsumedError);
    }
  });

  it('gives a lease to exactly one of two instances asking at once; a stale release leaves the next holder alone', async () => {
    const a = open('lease:');
    const b = open('lease:');
    for (let round = 0; round < 20; round++) {
      const taken = await Promise.all([a.lease(`refresh-${round}`, 5000), b.lease(`refresh-${round}`, 5000)]);
      expect(taken.filter(Boolean)).toHaveLength(1);
      await taken.find(Boolean)!();
      expect(await b.lease(`refresh-${round}`, 5000)).toEqual(expect.any(Function));
    }
    const first = (await a.lease('short', 50))!;
    await new Promise((resolve) => setTimeout(resolve, 120));
    const second = await b.lease('short', 5000);
    expect(second).toEqual(expect.any(Function));
    await first();
    expect(await a.lease('short', 5000)).toBeUndefined();
    expect(await a.redis.pttl('lease:l:short')).toBeGreaterThan(1000);
  });

  it('lets Redis expire records, their uid index and their grant set by TTL', async () => {
    const store = open('ttl:');
    await store('Session').upsert('s1', { jti: 's1', uid: 'u1' }, 1);
    await store('AccessToken').upsert('at1', { jti: 'at1', grantId: 'g1' }, 1);
    expect(await store.redis.pttl('ttl:r:Session:s1')).toBeGreaterThan(0);
    expect(await store.redis.pttl('ttl:i:Session:uid:u1')).toBeGreaterThan(0);
    expect(await store.redis.pttl('ttl:g:g1')).toBeGreaterThan(0);
    await store('Client').upsert('forever', { client_id: 'forever' });
    expect(await store.redis.pttl('ttl:r:Client:forever')).toBe(-1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await store.redis.keys('ttl:*')).toEqual(['ttl:r:Client:forever']);
  });

  it('never shows the password of the URL', async () => {
    expect(describeRedisUrl(server.url)).not.toContain('pa55-w0rd-redis');
    expect(describeRedisUrl('rediss://app:hunter2@cache:6380/1')).toBe('rediss://app:[redacted]@cache:6380/1');
    expect(() => createRedisStore({ url: 'http://user:hunter2@cache:6379' })).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => createRedisStore({ url: 'http://user:hunter2@cache:6379' })).not.toThrow(/hunter2/);
  });

  it('fails fast with StoreUnavailableError while Redis is down, reconnects by itself, and has lost nothing (AOF)', async () => {
    const store = open('outage:', { commandTimeoutMs: 500 });
    await store('Grant').upsert('g1', { jti: 'g1', accountId: 'alice' }, 600);
    await server.stop();
    const started = Date.now();
    await expect(store('Grant').find('g1')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store('Grant').upsert('g2', { jti: 'g2' }, 600)).rejects.toBeInstanceOf(StoreUnavailableError);
    // Bounded: the command timeout at most, not the reconnection's patience.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(warnings.some((w) => /unreachable/.test(w))).toBe(true);
    expect(warnings.join('\n')).not.toContain('pa55-w0rd-redis');

    await server.start();
    await expect.poll(() => store('Grant').find('g1').catch(() => 'down'), { timeout: 10_000, interval: 100 }).toEqual({ jti: 'g1', accountId: 'alice' });
  });
});
