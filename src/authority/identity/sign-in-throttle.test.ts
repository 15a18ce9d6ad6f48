/**
 * The sign-in throttle's rules, run against both implementations: the
 * memory one (per process) and the Redis one (shared by every instance, on
 * a real redis-server); then the two halves of the memory one on their own.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedisServer, startRedisServer, type TestRedis } from '../../../tests/helpers/redis-server.js';
import { openRedis } from '../stores/redis-connection.js';
import { accountBackoff } from './account-backoff.js';
import { addressBucket, addressKey } from './address-bucket.js';
import { createRedisSignInThrottle } from './redis-sign-in-throttle.js';
import { createMemorySignInThrottle, type SignInReservation, type SignInThrottle, type SignInThrottleOptions } from './sign-in-throttle.js';

function clock(start = 1_800_000_000_000) {
  const state = { now: start };
  return { now: () => state.now, advance: (ms: number) => (state.now += ms) };
}

const LIMITS = { accountFailures: 2, accountMaxDelaySec: 60, addressBurst: 100, addressRefillSec: 1 };

async function reserved(promise: Promise<unknown>): Promise<SignInReservation> {
  const result = (await promise) as SignInReservation | { allowed: false };
  if (!result.allowed) throw new Error('expected the attempt to be let through');
  return result;
}

let server: TestRedis | undefined;
let redis: Redis | undefined;
let prefixes = 0;
beforeAll(async () => {
  if (!hasRedisServer) return;
  server = await startRedisServer();
  redis = openRedis(server.url, { warn: () => {} });
});
afterAll(async () => {
  redis?.disconnect();
  await server?.close();
});

/** Each throttle made for a test gets its own prefix: tests share usernames and addresses. */
const IMPLEMENTATIONS: [string, (options: SignInThrottleOptions) => SignInThrottle][] = [
  ['memory', createMemorySignInThrottle],
  ...(hasRedisServer ? [['redis', (options: SignInThrottleOptions) => createRedisSignInThrottle({ ...options, redis: redis!, prefix: `t${++prefixes}:`, keyKey: Buffer.alloc(32, 7) })] as [string, (options: SignInThrottleOptions) => SignInThrottle]] : []),
];

describe.each(IMPLEMENTATIONS)('the sign-in throttle (%s)', (_name, createSignInThrottle) => {
  it('counts attempts in flight: a burst beyond the free failures is refused before any settles', async () => {
    const time = clock();
    const throttle = createSignInThrottle({ ...LIMITS, now: time.now });
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => throttle.reserve({ account: 'user:alice', address: '192.0.2.1' })));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, false, false, false, false, false, false, false, false]);
    expect(verdicts[2]).toEqual({ allowed: false, retryAfterSec: 1 });
  });

  it('a released attempt (the check broke) counts for nothing', async () => {
    const throttle = createSignInThrottle({ ...LIMITS, now: clock().now });
    for (let i = 0; i < 5; i++) await (await reserved(throttle.reserve({ account: 'user:bob', address: '192.0.2.1' }))).release();
    expect((await throttle.reserve({ account: 'user:bob', address: '192.0.2.1' })).allowed).toBe(true);
  });

  it('settling twice counts once', async () => {
    const throttle = createSignInThrottle({ ...LIMITS, now: clock().now });
    const attempt = await reserved(throttle.reserve({ account: 'user:carol', address: '192.0.2.1' }));
    await attempt.fail();
    await attempt.fail();
    await (await reserved(throttle.reserve({ account: 'user:carol', address: '192.0.2.1' }))).fail();
    expect((await throttle.reserve({ account: 'user:carol', address: '192.0.2.1' })).allowed).toBe(false);
  });

  it('an account refusal takes no token from the address, nor the other way round', async () => {
    const time = clock();
    const throttle = createSignInThrottle({ ...LIMITS, addressBurst: 3, addressRefillSec: 60, now: time.now });
    for (let i = 0; i < 2; i++) await (await reserved(throttle.reserve({ account: 'user:dave', address: '192.0.2.9' }))).fail();
    for (let i = 0; i < 5; i++) expect((await throttle.reserve({ account: 'user:dave', address: '192.0.2.9' })).allowed).toBe(false);
    // One token left for this address, untouched by the refusals above.
    expect((await throttle.reserve({ account: 'user:erin', address: '192.0.2.9' })).allowed).toBe(true);
    expect(await throttle.reserve({ account: 'user:frank', address: '192.0.2.9' })).toEqual({ allowed: false, retryAfterSec: 60 });
  });

  it('after the wait, a failed account may try again; a success starts it over', async () => {
    const time = clock();
    const throttle = createSignInThrottle({ ...LIMITS, now: time.now });
    const attempt = { account: 'user:gina', address: '192.0.2.1' };
    for (let i = 0; i < 2; i++) await (await reserved(throttle.reserve(attempt))).fail();
    expect(await throttle.reserve(attempt)).toEqual({ allowed: false, retryAfterSec: 1 });
    time.advance(1000);
    await (await reserved(throttle.reserve(attempt))).succeed();
    // Failures forgotten: two more are free again.
    for (let i = 0; i < 2; i++) await (await reserved(throttle.reserve(attempt))).fail();
    expect((await throttle.reserve(attempt)).allowed).toBe(false);
  });

  it('waits 1 s after the free failures, doubling per failure up to the cap, told in whole seconds', async () => {
    const time = clock();
    const throttle = createSignInThrottle({ ...LIMITS, accountMaxDelaySec: 5, now: time.now });
    const attempt = { account: 'user:hana', address: '192.0.2.2' };
    for (let i = 0; i < 2; i++) await (await reserved(throttle.reserve(attempt))).fail();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const refused = (await throttle.reserve(attempt)) as { allowed: false; retryAfterSec: number };
      expect(refused.allowed).toBe(false);
      waits.push(refused.retryAfterSec);
      time.advance(refused.retryAfterSec * 1000 - 1);
      expect((await throttle.reserve(attempt)).allowed).toBe(false);
      time.advance(1);
      await (await reserved(throttle.reserve(attempt))).fail();
    }
    expect(waits).toEqual([1, 2, 4, 5, 5]);
  });

  it('counts accounts apart, and an address past its burst waits a whole second at least', async () => {
    const time = clock();
    const throttle = createSignInThrottle({ ...LIMITS, addressBurst: 2, addressRefillSec: 0.2, now: time.now });
    for (let i = 0; i < 2; i++) await (await reserved(throttle.reserve({ account: `user:ivan${i}`, address: '2001:db8:9::1' }))).fail();
    // Another address of the same /64: the same bucket; refill 0.2 s is still told as 1 s.
    expect(await throttle.reserve({ account: 'user:ivan9', address: '2001:db8:9::2' })).toEqual({ allowed: false, retryAfterSec: 1 });
    expect((await throttle.reserve({ account: 'user:ivan9', address: '192.0.2.3' })).allowed).toBe(true);
    time.advance(200);
    expect((await throttle.reserve({ account: 'user:ivan0', address: '2001:db8:9::3' })).allowed).toBe(true);
  });
});

describe('the memory throttle', () => {
  it('forgets the least recently tried accounts first when it follows too many', () => {
    const time = clock();
    const backoff = accountBackoff({ accountFailures: 1, accountMaxDelaySec: 60 }, time.now, 3);
    for (const name of ['a', 'b', 'c', 'd']) {
      backoff.take(name);
      backoff.settle(name, 'fail');
    }
    expect(backoff.wait('a')).toBe(0);
    expect(backoff.wait('d')).toBe(1000);
  });
});

describe('the per-account backoff', () => {
  const HOUR = 60 * 60 * 1000;

  function failed(backoff: ReturnType<typeof accountBackoff>, account: string, times: number) {
    for (let i = 0; i < times; i++) {
      backoff.take(account);
      backoff.settle(account, 'fail');
    }
  }

  it('lets the free failures through, then waits 1 s, doubling per failure up to the cap', () => {
    const time = clock();
    const backoff = accountBackoff({ accountFailures: 3, accountMaxDelaySec: 10 }, time.now);
    failed(backoff, 'alice', 2);
    expect(backoff.wait('alice')).toBe(0);
    const waits = [];
    for (let i = 0; i < 6; i++) {
      failed(backoff, 'alice', 1);
      waits.push(backoff.wait('alice'));
      time.advance(waits.at(-1)!);
      expect(backoff.wait('alice')).toBe(0);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('counts down the wait from the last failure', () => {
    const time = clock();
    const backoff = accountBackoff({ accountFailures: 1, accountMaxDelaySec: 60 }, time.now);
    failed(backoff, 'alice', 2);
    time.advance(1500);
    expect(backoff.wait('alice')).toBe(500);
  });

  it('an attempt in flight past the free failures makes the next wait as if it fails', () => {
    const time = clock();
    const backoff = accountBackoff({ accountFailures: 2, accountMaxDelaySec: 60 }, time.now);
    failed(backoff, 'alice', 1);
    backoff.take('alice');
    expect(backoff.wait('alice')).toBe(1000);
    time.advance(5000);
    // Still in flight: time alone does not let a second one through.
    expect(backoff.wait('alice')).toBe(1000);
    backoff.settle('alice', 'release');
    expect(backoff.wait('alice')).toBe(0);
  });

  it('a success starts over; a release keeps the failures', () => {
    const time = clock();
    const backoff = accountBackoff({ accountFailures: 2, accountMaxDelaySec: 60 }, time.now);
    failed(backoff, 'alice', 3);
    time.advance(2000);
    backoff.take('alice');
    backoff.settle('alice', 'release');
    failed(backoff, 'alice', 1);
    expect(backoff.wait('alice')).toBe(4000);
    time.advance(4000);
    backoff.take('alice');
    backoff.settle('alice', 'succeed');
    failed(backoff, 'alice', 1);
    expect(backoff.wait('alice')).toBe(0);
  });

  it('a settle with no attempt in flight gives no credit', () => {
    const backoff = accountBackoff({ accountFailures: 2, accountMaxDelaySec: 60 }, clock().now);
    backoff.settle('alice', 'fail');
    backoff.settle('alice', 'fail');
    expect(backoff.wait('alice')).toBe(1000);
  });

  it('remembers failures for a day since the last attempt, then forgets them', () => {
    const time = clock();
    const backoff = accountBackoff({ accountFailures: 2, accountMaxDelaySec: 60 }, time.now);
    failed(backoff, 'alice', 2);
    time.advance(23 * HOUR);
    failed(backoff, 'alice', 1);
    expect(backoff.wait('alice')).toBe(2000);
    time.advance(24 * HOUR + 1);
    failed(backoff, 'alice', 1);
    expect(backoff.wait('alice')).toBe(0);
  });

  it('counts accounts apart', () => {
    const backoff = accountBackoff({ accountFailures: 1, accountMaxDelaySec: 60 }, clock().now);
    failed(backoff, 'alice', 1);
    expect(backoff.wait('alice')).toBe(1000);
    expect(backoff.wait('bob')).toBe(0);
  });
});

describe('the per-address bucket', () => {
  it('takes the burst, then one attempt per refill period, counted down to the millisecond', () => {
    const time = clock();
    const bucket = addressBucket({ addressBurst: 3, addressRefillSec: 10 }, time.now);
    for (let i = 0; i < 3; i++) {
      expect(bucket.wait('192.0.2.1')).toBe(0);
      bucket.take('192.0.2.1');
    }
    expect(bucket.wait('192.0.2.1')).toBe(10_000);
    time.advance(4000);
    expect(bucket.wait('192.0.2.1')).toBe(6000);
    time.advance(6000);
    expect(bucket.wait('192.0.2.1')).toBe(0);
    bucket.take('192.0.2.1');
    expect(bucket.wait('192.0.2.1')).toBe(10_000);
    expect(bucket.wait('192.0.2.2')).toBe(0);
  });

  it('fills up to the burst and no further, however long it waits', () => {
    const time = clock();
    const bucket = addressBucket({ addressBurst: 2, addressRefillSec: 1 }, time.now);
    bucket.take('192.0.2.1');
    time.advance(60_000);
    for (let i = 0; i < 2; i++) bucket.take('192.0.2.1');
    expect(bucket.wait('192.0.2.1')).toBe(1000);
  });

  it('a success or a release gives the token back, never past the burst; a failure does not', () => {
    const time = clock();
    const bucket = addressBucket({ addressBurst: 2, addressRefillSec: 60 }, time.now);
    bucket.take('192.0.2.1');
    bucket.settle('192.0.2.1', 'fail');
    bucket.take('192.0.2.1');
    expect(bucket.wait('192.0.2.1')).toBe(60_000);
    bucket.settle('192.0.2.1', 'succeed');
    expect(bucket.wait('192.0.2.1')).toBe(0);
    bucket.take('192.0.2.1');
    bucket.settle('192.0.2.1', 'release');
    // Full already: a success here must not make a third token.
    bucket.settle('192.0.2.1', 'succeed');
    for (let i = 0; i < 2; i++) bucket.take('192.0.2.1');
    expect(bucket.wait('192.0.2.1')).toBe(60_000);
  });

  it('a success gives back one token, not the whole burst', () => {
    const bucket = addressBucket({ addressBurst: 3, addressRefillSec: 60 }, clock().now);
    for (let i = 0; i < 3; i++) bucket.take('192.0.2.1');
    bucket.settle('192.0.2.1', 'succeed');
    bucket.take('192.0.2.1');
    expect(bucket.wait('192.0.2.1')).toBe(60_000);
  });

  it('counts an IPv6 /64 as one address', () => {
    const bucket = addressBucket({ addressBurst: 1, addressRefillSec: 60 }, clock().now);
    bucket.take('2001:db8:1:2::1');
    expect(bucket.wait('2001:db8:1:2:ffff::9')).toBe(60_000);
    expect(bucket.wait('2001:db8:1:3::1')).toBe(0);
  });
});

describe('client addresses as the throttle counts them', () => {
  it('takes IPv4 as it is, IPv4-mapped IPv6 as IPv4, and IPv6 per /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('unknown')).toBe('unknown');
    expect(addressKey('::ffff:198.51.100.27')).toBe('198.51.100.27');
    // An IPv6 address that merely contains ffff and a dotted quad is no IPv4 address.
    expect(addressKey('2001:db8::ffff:192.0.2.1')).toBe('2001:db8:0:0::/64');
    // '::' stands for as many zero groups as the groups around it leave.
    expect(addressKey('2001:db8::1:2:3:4:5')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:db8:7::')).toBe('2001:db8:7:0::/64');
  });
});
