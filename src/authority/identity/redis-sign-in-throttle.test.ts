/**
 * What only the Redis throttle has to prove (the rules themselves are the
 * table in sign-in-throttle.test.ts, run against both): two connections
 * (two instances) on one real redis-server count together, atomically; a
 * reservation nobody settles lapses; key names carry no username or
 * address and expire; an outage refuses instead of letting attempts through.
 */
import { expect, it } from 'vitest';
import { describeWithRedis, useRedisServer } from '../../../tests/helpers/redis-server.js';
import { StoreUnavailableError } from '../stores/types.js';
import { createRedisSignInThrottle, RESERVATION_TTL_MS } from './redis-sign-in-throttle.js';
import type { SignInReservation, SignInThrottleOptions } from './sign-in-throttle.js';

const LIMITS = { accountFailures: 3, accountMaxDelaySec: 60, addressBurst: 8, addressRefillSec: 60 };
const KEY = Buffer.alloc(32, 9);

describeWithRedis('the sign-in throttle in Redis', () => {
  const testRedis = useRedisServer();
  const connect = () => testRedis.connect();
  const throttle = (prefix: string, options: Partial<SignInThrottleOptions> = {}, redis = connect()) => createRedisSignInThrottle({ ...LIMITS, ...options, redis, prefix, keyKey: KEY });

  it('counts failures through one instance against the other: B makes the account wait', async () => {
    const [a, b] = [throttle('ab:'), throttle('ab:')];
    for (let i = 0; i < 3; i++) await ((await a.reserve({ account: 'user:alice', address: `192.0.2.${i}` })) as SignInReservation).fail();
    expect(await b.reserve({ account: 'user:alice', address: '198.51.100.1' })).toEqual({ allowed: false, retryAfterSec: 1 });
  });

  it('lets through, of 20 parallel guesses over both instances, only what the limits allow', async () => {
    const [a, b] = [throttle('burst:'), throttle('burst:')];
    // One account from many addresses: the free failures, counted while in flight.
    const onOne = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reserve({ account: 'user:bob', address: `203.0.113.${i}` })));
    expect(onOne.filter((v) => v.allowed)).toHaveLength(3);
    // Many accounts from one address: the address's burst.
    const fromOne = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reserve({ account: `user:guess${i}`, address: '198.51.100.77' })));
    expect(fromOne.filter((v) => v.allowed)).toHaveLength(8);
  });

  it('forgets a reservation nobody settled (its instance crashed) after the reservation lifetime', async () => {
    const time = { now: 1_800_000_000_000 };
    const t = throttle('lapse:', { accountFailures: 1, now: () => time.now });
    expect((await t.reserve({ account: 'user:carol', address: '192.0.2.1' })).allowed).toBe(true);
    expect((await t.reserve({ account: 'user:carol', address: '192.0.2.1' })).allowed).toBe(false);
    time.now += RESERVATION_TTL_MS - 1;
    expect((await t.reserve({ account: 'user:carol', address: '192.0.2.1' })).allowed).toBe(false);
    time.now += 1;
    expect((await t.reserve({ account: 'user:carol', address: '192.0.2.1' })).allowed).toBe(true);
  });

  it('names its keys by keyed hash (no username, no address, no password), each with a TTL', async () => {
    const redis = connect();
    const t = throttle('names:', {}, redis);
    const reservation = (await t.reserve({ account: 'user:dave', address: '192.0.2.44' })) as SignInReservation;
    await reservation.fail();
    const keys = await redis.keys('names:*');
    expect(keys.sort().map((k) => k.replace(/:[A-Za-z0-9_-]{43}$/, ''))).toEqual(['names:signin:a', 'names:signin:b']);
    for (const key of keys) {
      expect(key).not.toMatch(/dave|192\.0\.2/);
      expect(await redis.pttl(key)).toBeGreaterThan(0);
    }
    const values = JSON.stringify(await Promise.all(keys.map((k) => redis.hgetall(k))));
    expect(values).not.toMatch(/dave|192\.0\.2/);
    // Another key (another GATEHOUSE_SECRET) names the same account differently.
    await createRedisSignInThrottle({ ...LIMITS, redis, prefix: 'names:', keyKey: Buffer.alloc(32, 1) }).reserve({ account: 'user:dave', address: '192.0.2.44' });
    expect((await redis.keys('names:signin:a:*')).length).toBe(1);
    expect((await redis.keys('names:signin:p:*')).length).toBe(1);
  });

  it('refuses with StoreUnavailableError while Redis is down: no attempt goes through uncounted', async () => {
    const t = throttle('down:');
    await testRedis.server.stop();
    try {
      await expect(t.reserve({ account: 'user:erin', address: '192.0.2.1' })).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await testRedis.server.start();
    }
  });
});
