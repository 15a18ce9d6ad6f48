import { describe, expect, it } from 'vitest';
import { createMemorySignInThrottle, type SignInReservation, type SignInRefusal } from '../identity/sign-in-throttle.js';
import { memoryBucketStore } from './bucket-store.js';
import { sharedSignInLimits } from './sign-in-rate-limit.js';

const THROTTLE = { accountFailures: 100, accountMaxDelaySec: 900, addressBurst: 1000, addressRefillSec: 1 };
const LIMITS = { accountBurst: 3, accountRefillSec: 60, addressBurst: 5, addressRefillSec: 60 };

describe('sharedSignInLimits', () => {
  it('counts the attempts of two instances together when they share one bucket store', async () => {
    let now = 0;
    const shared = memoryBucketStore({ now: () => now });
    // Two instances: each its own in-memory throttle, one store between them (what the Redis BucketStore is).
    const a = sharedSignInLimits(createMemorySignInThrottle({ ...THROTTLE, now: () => now }), shared, LIMITS);
    const b = sharedSignInLimits(createMemorySignInThrottle({ ...THROTTLE, now: () => now }), shared, LIMITS);
    const attempt = { account: 'user:alice', address: '203.0.113.7' };
    const outcomes = [await a.reserve(attempt), await b.reserve(attempt), await a.reserve(attempt), await b.reserve(attempt)];
    expect(outcomes.map((o) => o.allowed)).toEqual([true, true, true, false]);
    expect((outcomes[3] as SignInRefusal).retryAfterSec).toBe(60);
    for (const o of outcomes.slice(0, 3)) await (o as SignInReservation).succeed();
    now += 60_000;
    expect((await b.reserve(attempt)).allowed).toBe(true);
  });

  it('refuses by address across accounts (an IPv6 /64 as one), and a refused account takes nothing from the address', async () => {
    const shared = memoryBucketStore();
    const limits = sharedSignInLimits(createMemorySignInThrottle(THROTTLE), shared, { ...LIMITS, accountBurst: 1 });
    expect((await limits.reserve({ account: 'user:a', address: '2001:db8::1' })).allowed).toBe(true);
    // The account is spent: refused, and the address keeps its remaining four.
    for (let i = 0; i < 3; i++) expect((await limits.reserve({ account: 'user:a', address: '2001:db8::1' })).allowed).toBe(false);
    const others = [];
    for (const n of [1, 2, 3, 4, 5]) others.push((await limits.reserve({ account: `user:u${n}`, address: `2001:db8::${n}:1` })).allowed);
    expect(others).toEqual([true, true, true, true, false]);
    expect((await limits.reserve({ account: 'user:u9', address: '2001:db8:0:1::1' })).allowed).toBe(true);
  });

  it('leaves the throttle its own refusals', async () => {
    const limits = sharedSignInLimits(createMemorySignInThrottle({ ...THROTTLE, accountFailures: 1 }), memoryBucketStore(), LIMITS);
    const first = await limits.reserve({ account: 'user:a', address: '192.0.2.1' });
    await (first as SignInReservation).fail();
    expect(await limits.reserve({ account: 'user:a', address: '192.0.2.1' })).toEqual({ allowed: false, retryAfterSec: 1 });
  });
});
