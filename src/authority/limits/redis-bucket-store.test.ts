/**
 * The token buckets in Redis, two connections (two instances) on one real
 * redis-server: they count together, atomically, refill with time, keep
 * their keys under the prefix with a TTL, and an outage is an error.
 */
import { expect, it } from 'vitest';
import { describeWithRedis, useRedisServer } from '../../../tests/helpers/redis-server.js';
import { StoreUnavailableError } from '../stores/types.js';
import { redisBucketStore } from './redis-bucket-store.js';

describeWithRedis('redisBucketStore', () => {
  const testRedis = useRedisServer();
  const connect = () => testRedis.connect();

  it('counts the takes of two instances against one bucket, atomically, and not against another prefix or key', async () => {
    const [a, b] = [redisBucketStore(connect(), 'p:'), redisBucketStore(connect(), 'p:')];
    const limit = { burst: 5, refillSec: 60 };
    const waits = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).take('token:client:robot', limit)));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(5);
    for (const wait of waits.filter((w) => w > 0)) expect(wait).toBeGreaterThan(55_000);
    expect(await b.take('token:client:other', limit)).toBe(0);
    expect(await redisBucketStore(connect(), 'q:').take('token:client:robot', limit)).toBe(0);
  });

  it('refills one token per refillSec, up to the burst', async () => {
    const buckets = redisBucketStore(connect(), 'refill:');
    const limit = { burst: 2, refillSec: 0.5 };
    expect([await buckets.take('k', limit), await buckets.take('k', limit)]).toEqual([0, 0]);
    expect(await buckets.take('k', limit)).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await buckets.take('k', limit)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect([await buckets.take('k', limit), await buckets.take('k', limit)]).toEqual([0, 0]);
    expect(await buckets.take('k', limit)).toBeGreaterThan(0);
  });

  it('keeps each bucket under the prefix, hashed, with a TTL of at most its refill to full', async () => {
    const redis = connect();
    await redisBucketStore(redis, 'ttl:').take(`token:client:${'x'.repeat(5000)}`, { burst: 10, refillSec: 1 });
    const keys = await redis.keys('ttl:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^ttl:rl:[A-Za-z0-9_-]{43}$/);
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
  });

  it('names buckets by HMAC under the key it is given: the plain hash of a username is not among the names', async () => {
    const redis = connect();
    const { createHash } = await import('node:crypto');
    await redisBucketStore(redis, 'keyed:', Buffer.alloc(32, 3)).take('signin:account:user:alice', { burst: 5, refillSec: 60 });
    await redisBucketStore(redis, 'keyed:', Buffer.alloc(32, 4)).take('signin:account:user:alice', { burst: 5, refillSec: 60 });
    const keys = await redis.keys('keyed:*');
    expect(keys).toHaveLength(2);
    expect(keys).not.toContain(`keyed:rl:${createHash('sha256').update('signin:account:user:alice').digest('base64url')}`);
  });

  it('rejects with StoreUnavailableError while Redis is down', async () => {
    const buckets = redisBucketStore(connect(), 'down:');
    await testRedis.server.stop();
    try {
      await expect(buckets.take('k', { burst: 1, refillSec: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await testRedis.server.start();
    }
  });
});
