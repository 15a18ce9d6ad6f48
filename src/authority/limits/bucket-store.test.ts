import { describe, expect, it } from 'vitest';
import { memoryBucketStore } from './bucket-store.js';

describe('memoryBucketStore', () => {
  it('lets a burst through, then one per refill, and says how long to wait', async () => {
    let now = 1_000_000;
    const buckets = memoryBucketStore({ now: () => now });
    const limit = { burst: 3, refillSec: 10 };
    expect([await buckets.take('a', limit), await buckets.take('a', limit), await buckets.take('a', limit)]).toEqual([0, 0, 0]);
    expect(await buckets.take('a', limit)).toBe(10_000);
    // Another key has its own bucket.
    expect(await buckets.take('b', limit)).toBe(0);
    now += 4_000;
    expect(await buckets.take('a', limit)).toBe(6_000);
    now += 6_000;
    expect(await buckets.take('a', limit)).toBe(0);
    expect(await buckets.take('a', limit)).toBe(10_000);
  });

  it('refills to the burst and no further', async () => {
    let now = 0;
    const buckets = memoryBucketStore({ now: () => now });
    const limit = { burst: 2, refillSec: 1 };
    await buckets.take('a', limit);
    now += 3_600_000;
    expect([await buckets.take('a', limit), await buckets.take('a', limit)]).toEqual([0, 0]);
    expect(await buckets.take('a', limit)).toBeGreaterThan(0);
  });

  it('stays bounded under a flood of fresh keys', async () => {
    const buckets = memoryBucketStore({ maxKeys: 100 });
    for (let i = 0; i < 1000; i++) await buckets.take(`k${i}`, { burst: 1, refillSec: 60 });
    // The oldest were forgotten: a forgotten key starts full again, which only ever errs towards letting a caller through.
    expect(await buckets.take('k0', { burst: 1, refillSec: 60 })).toBe(0);
    expect(await buckets.take('k999', { burst: 1, refillSec: 60 })).toBe(60_000);
  });
});
