import { describe, expect, it } from 'vitest';
import { StoreUnavailableError, type Adapter } from './types.js';
import { UNWRITABLE_DESCRIPTION, unwritableAsOutage } from './unwritable-state.js';

function failingWith(code: string): Adapter {
  const fail = () => Promise.reject(Object.assign(new Error(`${code}: nope`), { code }));
  return { upsert: fail, find: () => Promise.resolve(undefined), findByUid: () => Promise.resolve(undefined), findByUserCode: () => Promise.resolve(undefined), consume: fail, destroy: fail, revokeByGrantId: fail };
}

describe('unwritableAsOutage', () => {
  it('turns every write failure of a read-only or full directory into a store outage, logged once a minute per reason', async () => {
    let now = 0;
    const warned: string[] = [];
    const adapter = unwritableAsOutage(failingWith('ENOSPC'), '/var/lib/gatehouse/store', (m) => warned.push(m), () => now);
    for (const write of [() => adapter.upsert('a', {}), () => adapter.consume('a'), () => adapter.destroy('a'), () => adapter.revokeByGrantId('g')]) {
      const err = await write().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as StoreUnavailableError).description).toBe(UNWRITABLE_DESCRIPTION);
    }
    expect(warned).toEqual([expect.stringContaining('/var/lib/gatehouse/store cannot be written: ENOSPC (no space left on the device)')]);
    now += 60_000;
    await adapter.upsert('a', {}).catch(() => {});
    expect(warned).toHaveLength(2);
  });

  it('passes other failures through as they are, and reads untouched', async () => {
    const adapter = unwritableAsOutage(failingWith('EISDIR'), '/s', () => {});
    await expect(adapter.upsert('a', {})).rejects.toThrow('EISDIR: nope');
    await expect(adapter.upsert('a', {})).rejects.not.toBeInstanceOf(StoreUnavailableError);
    await expect(adapter.find('a')).resolves.toBeUndefined();
  });
});
