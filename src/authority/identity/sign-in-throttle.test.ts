import { describe, expect, it } from 'vitest';
import { accountBackoff } from './account-backoff.js';
import { addressKey } from './address-bucket.js';
import { createMemorySignInThrottle, type SignInReservation } from './sign-in-throttle.js';

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

describe('the sign-in throttle', () => {
  it('counts attempts in flight: a burst beyond the free failures is refused before any settles', async () => {
    const time = clock();
    const throttle = createMemorySignInThrottle({ ...LIMITS, now: time.now });
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => throttle.reserve({ account: 'user:alice', address: '192.0.2.1' })));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, false, false, false, false, false, false, false, false]);
    expect(verdicts[2]).toEqual({ allowed: false, retryAfterSec: 1 });
  });

  it('a released attempt (the check broke) counts for nothing', async () => {
    const throttle = createMemorySignInThrottle({ ...LIMITS, now: clock().now });
    for (let i = 0; i < 5; i++) await (await reserved(throttle.reserve({ account: 'user:bob', address: '192.0.2.1' }))).release();
    expect((await throttle.reserve({ account: 'user:bob', address: '192.0.2.1' })).allowed).toBe(true);
  });

  it('settling twice counts once', async () => {
    const throttle = createMemorySignInThrottle({ ...LIMITS, now: clock().now });
    const attempt = await reserved(throttle.reserve({ account: 'user:carol', address: '192.0.2.1' }));
    await attempt.fail();
    await attempt.fail();
    await (await reserved(throttle.reserve({ account: 'user:carol', address: '192.0.2.1' }))).fail();
    expect((await throttle.reserve({ account: 'user:carol', address: '192.0.2.1' })).allowed).toBe(false);
  });

  it('an account refusal takes no token from the address, nor the other way round', async () => {
    const time = clock();
    const throttle = createMemorySignInThrottle({ ...LIMITS, addressBurst: 3, addressRefillSec: 60, now: time.now });
    for (let i = 0; i < 2; i++) await (await reserved(throttle.reserve({ account: 'user:dave', address: '192.0.2.9' }))).fail();
    for (let i = 0; i < 5; i++) expect((await throttle.reserve({ account: 'user:dave', address: '192.0.2.9' })).allowed).toBe(false);
    // One token left for this address, untouched by the refusals above.
    expect((await throttle.reserve({ account: 'user:erin', address: '192.0.2.9' })).allowed).toBe(true);
    expect(await throttle.reserve({ account: 'user:frank', address: '192.0.2.9' })).toEqual({ allowed: false, retryAfterSec: 60 });
  });

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
  });
});
