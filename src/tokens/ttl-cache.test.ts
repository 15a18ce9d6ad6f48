import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('forgets entries once their time is up', () => {
    let t = 0;
    const cache = new TtlCache<string>(10, () => t);
    cache.set('k', 'v', 1000);
    t = 999;
    expect(cache.get('k')).toBe('v');
    t = 1000;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry when full', () => {
    const cache = new TtlCache<number>(2);
    cache.set('a', 1, 60_000);
    cache.set('b', 2, 60_000);
    cache.get('a');
    cache.set('c', 3, 60_000);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('keeps the order right when the most recent entry is hit again and again', () => {
    let t = 0;
    const cache = new TtlCache<number>(2, () => t);
    cache.set('a', 1, 60_000);
    cache.set('b', 2, 60_000);
    expect(cache.get('b')).toBe(2);
    expect(cache.get('b')).toBe(2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3, 60_000);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    t = 60_000;
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 4, 60_000);
    expect(cache.get('a')).toBe(4);
    expect(cache.size).toBe(2);
  });

  it('stores nothing with a zero size or a non-positive ttl', () => {
    const none = new TtlCache<number>(0);
    none.set('a', 1, 60_000);
    expect(none.size).toBe(0);
    const cache = new TtlCache<number>(5);
    cache.set('a', 1, 0);
    cache.set('b', 1, -5);
    cache.set('c', 1, Number.NaN);
    expect(cache.size).toBe(0);
  });

  it('gives the entry used or stored last, until it expires or the cache is cleared', () => {
    let now = 1_000;
    const cache = new TtlCache<string>(2, () => now);
    expect(cache.newest()).toBeUndefined();
    cache.set('a', 'A', 100);
    cache.set('b', 'B', 500);
    expect(cache.newest()).toBe('B');
    expect(cache.get('a')).toBe('A');
    expect(cache.newest()).toBe('A');
    now += 100;
    // Expired: dropped, as get would drop it, and not found by key either.
    expect(cache.newest()).toBeUndefined();
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(1);
    expect(cache.get('b')).toBe('B');
    cache.clear();
    expect(cache.newest()).toBeUndefined();
    cache.set('c', 'C', 100);
    cache.set('d', 'D', 100);
    cache.set('e', 'E', 100);
    // The newest survives every eviction: the oldest goes first.
    expect([cache.newest(), cache.get('c'), cache.size]).toEqual(['E', undefined, 2]);
  });
});
