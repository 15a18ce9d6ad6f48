/**
 * consumeOnce over the real memory store: a lost race to consume a code or a
 * refresh token is `invalid_grant` and ends the grant behind it, every model
 * of it, and nothing of any other grant. (The e2e race through oidc-provider
 * is in tests/e2e/authority-flows.test.ts; this is the same rule one step
 * below, fast enough for `npm run mutate`.)
 */
import { errors, type Adapter } from 'oidc-provider';
import { afterEach, describe, expect, it } from 'vitest';
import { consumeOnce } from './consume-once.js';
import { createMemoryStore } from './memory.js';
import { AlreadyConsumedError, type StoreFactory } from './types.js';

const GRANT_MODELS = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'];

let store: StoreFactory;
afterEach(() => store.close());

/** A grant with one record of each model it owns, plus the Grant record itself. */
async function seedGrant(adapters: (model: string) => Adapter, grantId: string): Promise<void> {
  for (const model of GRANT_MODELS) await adapters(model).upsert(`${model}-${grantId}`, { jti: `${model}-${grantId}`, grantId }, 600);
  await adapters('Grant').upsert(grantId, { jti: grantId, accountId: 'alice' }, 600);
}

async function survivingRecords(adapters: (model: string) => Adapter, grantId: string): Promise<string[]> {
  const found = await Promise.all([...GRANT_MODELS.map((model) => adapters(model).find(`${model}-${grantId}`)), adapters('Grant').find(grantId)]);
  return found.filter((payload) => payload !== undefined).map((payload) => payload.jti as string);
}

describe('consumeOnce', () => {
  it.each(['AuthorizationCode', 'RefreshToken'])('of concurrent consumes of one %s one wins; the others get invalid_grant and the grant goes, all of it', async (model) => {
    store = createMemoryStore();
    const adapters = consumeOnce(store);
    await seedGrant(adapters, 'leaked');
    await seedGrant(adapters, 'bystander');

    const results = await Promise.allSettled(Array.from({ length: 5 }, () => adapters(model).consume(`${model}-leaked`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refusals = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
    expect(refusals).toHaveLength(4);
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(errors.InvalidGrant);
      expect(refusal).toMatchObject({ status: 400, error: 'invalid_grant' });
    }
    expect(await survivingRecords(store, 'leaked')).toEqual([]);
    expect(await survivingRecords(store, 'bystander')).toHaveLength(GRANT_MODELS.length + 1);
  });

  it('a consumed record of no grant is still refused the second time, and revokes nothing', async () => {
    store = createMemoryStore();
    const adapters = consumeOnce(store);
    await seedGrant(adapters, 'bystander');
    await adapters('AuthorizationCode').upsert('orphan', { jti: 'orphan' }, 600);
    await adapters('AuthorizationCode').consume('orphan');
    await expect(adapters('AuthorizationCode').consume('orphan')).rejects.toBeInstanceOf(errors.InvalidGrant);
    expect(await survivingRecords(store, 'bystander')).toHaveLength(GRANT_MODELS.length + 1);
  });

  it('passes any other failure of the store through unchanged, and revokes nothing', async () => {
    store = createMemoryStore();
    const broken = new Error('disk full');
    const failing = Object.assign((model: string): Adapter => ({ ...store(model), consume: () => Promise.reject(broken) }), store);
    const adapters = consumeOnce(failing);
    await seedGrant(adapters, 'g');
    await expect(adapters('RefreshToken').consume('RefreshToken-g')).rejects.toBe(broken);
    expect(await survivingRecords(store, 'g')).toHaveLength(GRANT_MODELS.length + 1);
  });

  it('a lost race whose record is gone by the time it is looked up is still invalid_grant, not a crash', async () => {
    store = createMemoryStore();
    const raced = Object.assign((model: string): Adapter => ({ ...store(model), consume: () => Promise.reject(new AlreadyConsumedError(model)) }), store);
    await expect(consumeOnce(raced)('AuthorizationCode').consume('swept')).rejects.toBeInstanceOf(errors.InvalidGrant);
  });

  it('hands every other call to the store as it is', async () => {
    store = createMemoryStore();
    const sessions = consumeOnce(store)('Session');
    await sessions.upsert('s1', { jti: 's1', uid: 'u1', accountId: 'alice' }, 600);
    expect(await sessions.find('s1')).toMatchObject({ accountId: 'alice' });
    expect(await sessions.findByUid('u1')).toMatchObject({ jti: 's1' });
    await sessions.destroy('s1');
    expect(await store('Session').find('s1')).toBeUndefined();

    const devices = consumeOnce(store)('DeviceCode');
    await devices.upsert('d1', { jti: 'd1', userCode: 'ABCD-EFGH', grantId: 'g' }, 600);
    expect(await devices.findByUserCode('ABCD-EFGH')).toMatchObject({ jti: 'd1' });
    await devices.revokeByGrantId('g');
    expect(await store('DeviceCode').find('d1')).toBeUndefined();
  });
});
