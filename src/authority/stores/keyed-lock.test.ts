import { describe, expect, it } from 'vitest';
import { KeyedLock } from './keyed-lock.js';

describe('KeyedLock', () => {
  it('runs sections of one key one after another, of different keys side by side, and forgets idle keys', async () => {
    const locks = new KeyedLock();
    const events: string[] = [];
    let releaseFirst!: () => void;
    const firstMayEnd = new Promise<void>((resolve) => (releaseFirst = resolve));

    const first = locks.run('a', async () => {
      events.push('a1 start');
      await firstMayEnd;
      events.push('a1 end');
    });
    const second = locks.run('a', async () => {
      events.push('a2 start');
    });
    const other = locks.run('b', async () => {
      events.push('b start');
    });
    await other;
    expect(events).toEqual(['a1 start', 'b start']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(events).toEqual(['a1 start', 'b start', 'a1 end', 'a2 start']);
    expect(locks.size).toBe(0);
  });

  it('releases the key when a section throws', async () => {
    const locks = new KeyedLock();
    await expect(locks.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(locks.run('k', async () => 'next')).resolves.toBe('next');
    expect(locks.size).toBe(0);
  });
});
