/**
 * oidc-provider's adapter contract, run against every store: what its own
 * memory adapter does, plus expiry on read, copies in and out, and grant
 * revocation across models.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore } from './file.js';
import { createMemoryStore } from './memory.js';
import { createRedisStore } from './redis.js';
import { hasRedisServer, startRedisServer, type TestRedis } from '../../../tests/helpers/redis-server.js';
import { AlreadyConsumedError, type AdapterPayload, type StoreFactory, type StoreOptions } from './types.js';

let root: string;
let count = 0;
let redis: TestRedis | undefined;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gatehouse-contract-'));
  if (hasRedisServer) redis = await startRedisServer();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await redis?.close();
});

const stores: [string, (options: StoreOptions) => StoreFactory][] = [
  ['memory', (options) => createMemoryStore(options)],
  ['file', (options) => createFileStore({ ...options, stateDir: join(root, `state-${++count}`) })],
  // A fresh prefix per store: the tests of one run share one redis-server.
  ...(hasRedisServer ? [['redis', (options: StoreOptions) => createRedisStore({ ...options, url: redis!.url, prefix: `contract-${++count}:` })] as [string, (options: StoreOptions) => StoreFactory]] : []),
];

describe.each(stores)('%s store', (kind, make) => {
  let clock: number;
  let store: StoreFactory;
  beforeEach(async () => {
    await store?.close();
    clock = 1_700_000_000_000;
    store = make({ now: () => clock, sweepIntervalMs: Number.POSITIVE_INFINITY });
  });
  afterAll(() => store.close());

  it('stores and finds a payload by id, per model', async () => {
    const tokens = store('AccessToken');
    const payload: AdapterPayload = { jti: 'at-1', accountId: 'alice', scope: 'mcp', exp: 1_700_000_060, kind: 'AccessToken' };
    await tokens.upsert('at-1', payload, 60);
    expect(await tokens.find('at-1')).toEqual(payload);
    expect(await store('RefreshToken').find('at-1')).toBeUndefined();
    expect(await tokens.find('at-2')).toBeUndefined();
  });

  it('hands out copies: changing a found payload changes nothing stored', async () => {
    const sessions = store('Session');
    const payload: AdapterPayload = { jti: 's1', uid: 'u1', accountId: 'alice' };
    await sessions.upsert('s1', payload, 600);
    payload.accountId = 'mallory';
    const found = (await sessions.find('s1'))!;
    expect(found.accountId).toBe('alice');
    found.accountId = 'eve';
    expect((await sessions.find('s1'))!.accountId).toBe('alice');
  });

  it('replaces a payload on a second upsert', async () => {
    const grants = store('Grant');
    await grants.upsert('g1', { jti: 'g1', accountId: 'alice', clientId: 'c1' }, 600);
    await grants.upsert('g1', { jti: 'g1', accountId: 'alice', clientId: 'c1', openid: { scope: 'openid' } }, 600);
    expect(await grants.find('g1')).toEqual({ jti: 'g1', accountId: 'alice', clientId: 'c1', openid: { scope: 'openid' } });
  });

  it('treats expired records as missing', async () => {
    const codes = store('AuthorizationCode');
    await codes.upsert('code-1', { jti: 'code-1', grantId: 'g' }, 60);
    clock += 59_999;
    expect(await codes.find('code-1')).toBeDefined();
    clock += 1;
    expect(await codes.find('code-1')).toBeUndefined();
    // Still gone after time goes "back" (the expired record was deleted, not hidden).
    clock -= 10_000;
    expect(await codes.find('code-1')).toBeUndefined();
  });

  it('keeps records upserted without expiresIn (registered clients) for good', async () => {
    const clients = store('Client');
    await clients.upsert('client-1', { client_id: 'client-1', redirect_uris: ['http://127.0.0.1/cb'] });
    clock += 10 * 365 * 86_400_000;
    expect(await clients.find('client-1')).toMatchObject({ client_id: 'client-1' });
  });

  it('marks a record consumed with a timestamp in seconds', async () => {
    const refresh = store('RefreshToken');
    await refresh.upsert('rt-1', { jti: 'rt-1', grantId: 'g1' }, 3600);
    clock += 5000;
    await refresh.consume('rt-1');
    expect((await refresh.find('rt-1'))!.consumed).toBe(1_700_000_005);
    // Consuming something missing is not an error.
    await expect(refresh.consume('rt-unknown')).resolves.toBeUndefined();
  });

  it('lets exactly one of many concurrent consumes win; the others throw AlreadyConsumedError', async () => {
    const codes = store('AuthorizationCode');
    for (let round = 0; round < 5; round++) {
      await codes.upsert(`code-${round}`, { jti: `code-${round}`, grantId: 'g1' }, 600);
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => codes.consume(`code-${round}`)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const lost of results.filter((r) => r.status === 'rejected')) expect(lost.reason).toBeInstanceOf(AlreadyConsumedError);
      // A later consume loses too: consumption is once, not once at a time.
      await expect(codes.consume(`code-${round}`)).rejects.toBeInstanceOf(AlreadyConsumedError);
    }
  });

  it('destroys a record', async () => {
    const interactions = store('Interaction');
    await interactions.upsert('i1', { jti: 'i1', returnTo: '/auth' }, 600);
    await interactions.destroy('i1');
    expect(await interactions.find('i1')).toBeUndefined();
    await expect(interactions.destroy('i1')).resolves.toBeUndefined();
  });

  it('finds a session by uid, only while it lives and only under its current uid', async () => {
    const sessions = store('Session');
    await sessions.upsert('sess-1', { jti: 'sess-1', uid: 'uid-1', accountId: 'alice' }, 600);
    expect(await sessions.findByUid('uid-1')).toMatchObject({ jti: 'sess-1', accountId: 'alice' });
    expect(await sessions.findByUid('uid-x')).toBeUndefined();

    await sessions.upsert('sess-1', { jti: 'sess-1', uid: 'uid-2', accountId: 'alice' }, 600);
    expect(await sessions.findByUid('uid-1')).toBeUndefined();
    expect(await sessions.findByUid('uid-2')).toMatchObject({ jti: 'sess-1' });

    await sessions.destroy('sess-1');
    expect(await sessions.findByUid('uid-2')).toBeUndefined();

    await sessions.upsert('sess-2', { jti: 'sess-2', uid: 'uid-3' }, 10);
    clock += 10_000;
    expect(await sessions.findByUid('uid-3')).toBeUndefined();
  });

  it('finds a device code by user code', async () => {
    const devices = store('DeviceCode');
    await devices.upsert('dc-1', { jti: 'dc-1', userCode: 'ABCD-EFGH', grantId: 'g-dev' }, 600);
    expect(await devices.findByUserCode('ABCD-EFGH')).toMatchObject({ jti: 'dc-1' });
    expect(await devices.findByUserCode('ZZZZ-ZZZZ')).toBeUndefined();
    await devices.destroy('dc-1');
    expect(await devices.findByUserCode('ABCD-EFGH')).toBeUndefined();
  });

  it('revokes every record of a grant across models, and only that grant', async () => {
    await store('AccessToken').upsert('at-a', { jti: 'at-a', grantId: 'grant-a' }, 3600);
    await store('RefreshToken').upsert('rt-a', { jti: 'rt-a', grantId: 'grant-a' }, 86_400);
    await store('AuthorizationCode').upsert('code-a', { jti: 'code-a', grantId: 'grant-a' }, 60);
    await store('AccessToken').upsert('at-b', { jti: 'at-b', grantId: 'grant-b' }, 3600);
    await store('Grant').upsert('grant-a', { jti: 'grant-a', accountId: 'alice' }, 86_400);

    // oidc-provider calls this on each model's adapter, concurrently.
    await Promise.all([store('AccessToken'), store('RefreshToken'), store('AuthorizationCode')].map((a) => a.revokeByGrantId('grant-a')));

    expect(await store('AccessToken').find('at-a')).toBeUndefined();
    expect(await store('RefreshToken').find('rt-a')).toBeUndefined();
    expect(await store('AuthorizationCode').find('code-a')).toBeUndefined();
    expect(await store('AccessToken').find('at-b')).toBeDefined();
    // The Grant record itself is destroyed by oidc-provider separately, not by revocation.
    expect(await store('Grant').find('grant-a')).toBeDefined();
    await expect(store('AccessToken').revokeByGrantId('grant-unknown')).resolves.toBeUndefined();
  });

  it('does not revoke a token that was destroyed and saved again under another grant', async () => {
    const tokens = store('AccessToken');
    await tokens.upsert('at-moved', { jti: 'at-moved', grantId: 'grant-old' }, 3600);
    await tokens.upsert('at-moved', { jti: 'at-moved', grantId: 'grant-new' }, 3600);
    await tokens.revokeByGrantId('grant-old');
    expect(await tokens.find('at-moved')).toMatchObject({ grantId: 'grant-new' });
    await tokens.revokeByGrantId('grant-new');
    expect(await tokens.find('at-moved')).toBeUndefined();
  });

  it('keeps concurrent writes of different records apart', async () => {
    const tokens = store('AccessToken');
    const ids = Array.from({ length: 40 }, (_, i) => `at-${i}`);
    await Promise.all(ids.map((id, i) => tokens.upsert(id, { jti: id, grantId: `grant-${i % 3}`, n: i } as AdapterPayload, 3600)));
    const found = await Promise.all(ids.map((id) => tokens.find(id)));
    expect(found.map((p) => (p as { n?: number } | undefined)?.n)).toEqual(ids.map((_, i) => i));
    await tokens.revokeByGrantId('grant-1');
    const left = (await Promise.all(ids.map((id) => tokens.find(id)))).filter(Boolean);
    expect(left).toHaveLength(40 - ids.filter((_, i) => i % 3 === 1).length);
  });

  it('revokes tokens saved while the revocation runs', async () => {
    const tokens = store('AccessToken');
    const saves = Array.from({ length: 10 }, (_, i) => tokens.upsert(`at-race-${i}`, { jti: `at-race-${i}`, grantId: 'grant-race' }, 3600));
    const revoke = store('RefreshToken').revokeByGrantId('grant-race');
    await Promise.all([...saves, revoke]);
    await store('RefreshToken').revokeByGrantId('grant-race');
    for (let i = 0; i < 10; i++) expect(await tokens.find(`at-race-${i}`)).toBeUndefined();
  });

  it('creates a one-time marker once: of many concurrent creations exactly one wins, until it expires', async () => {
    const id = 'https://idp.example\u0000jti-1';
    const results = await Promise.all(Array.from({ length: 10 }, () => store.createIfAbsent('IdJagRedeemed', id, 1)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.createIfAbsent('IdJagRedeemed', id, 1)).toBe(false);
    // Another id, another model: markers of their own.
    expect(await store.createIfAbsent('IdJagRedeemed', 'https://idp.example\u0000jti-2', 1)).toBe(true);
    expect(await store.createIfAbsent('OtherMarker', id, 1)).toBe(true);
    // Not a record: the adapter does not see it, and a record of that id, written and destroyed, leaves it alone.
    const adapter = store('IdJagRedeemed');
    expect(await adapter.find(id)).toBeUndefined();
    await adapter.upsert(id, { jti: 'jti-1' }, 60);
    await adapter.destroy(id);
    expect(await store.createIfAbsent('IdJagRedeemed', id, 1)).toBe(false);
    // Expired: it can be created again (Redis expires it by its own clock).
    clock += 1000;
    if (kind === 'redis') await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await store.createIfAbsent('IdJagRedeemed', id, 1)).toBe(true);
    expect(await store.createIfAbsent('IdJagRedeemed', id, 1)).toBe(false);
  });

  it('refuses a marker without a finite lifetime', async () => {
    await expect(store.createIfAbsent('IdJagRedeemed', 'forever', Number.POSITIVE_INFINITY)).rejects.toThrow(/finite lifetime/);
  });

  it.skipIf(kind === 'redis')('sweeps expired one-time markers (Redis drops them itself)', async () => {
    expect(await store.createIfAbsent('IdJagRedeemed', 'short', 10)).toBe(true);
    expect(await store.createIfAbsent('IdJagRedeemed', 'long', 3600)).toBe(true);
    clock += 11_000;
    expect(await store.sweep()).toBe(1);
    expect(await store.sweep()).toBe(0);
    expect(await store.createIfAbsent('IdJagRedeemed', 'long', 3600)).toBe(false);
    expect(await store.createIfAbsent('IdJagRedeemed', 'short', 10)).toBe(true);
  });

  it('sweeps expired records', async () => {
    await store('Session').upsert('short', { jti: 'short', uid: 'u-short' }, 10);
    await store('AccessToken').upsert('short-at', { jti: 'short-at', grantId: 'g-short' }, 10);
    await store('Session').upsert('long', { jti: 'long', uid: 'u-long' }, 3600);
    clock += 11_000;
    expect(await store.sweep()).toBeGreaterThanOrEqual(2);
    expect(await store('Session').find('long')).toBeDefined();
    expect(await store('Session').findByUid('u-long')).toBeDefined();
    expect(await store.sweep()).toBe(0);
  });
});

/** Two instances over one backend: the file store's state directory, one Redis under one prefix. */
const sharedStores: [string, () => [StoreFactory, StoreFactory]][] = [
  [
    'file',
    () => {
      const stateDir = join(root, `shared-${++count}`);
      return [createFileStore({ stateDir }), createFileStore({ stateDir })];
    },
  ],
  ...(hasRedisServer
    ? [
        [
          'redis',
          () => {
            const prefix = `shared-${++count}:`;
            return [createRedisStore({ url: redis!.url, prefix }), createRedisStore({ url: redis!.url, prefix })];
          },
        ] as [string, () => [StoreFactory, StoreFactory]],
      ]
    : []),
];

describe.each(sharedStores)('%s store shared by two instances', (_kind, makePair) => {
  it('lets exactly one instance create a marker both race for', async () => {
    const [one, two] = makePair();
    try {
      for (let round = 0; round < 5; round++) {
        const id = `iss\u0000race-${round}`;
        const results = await Promise.all([one, two, one, two].map((store) => store.createIfAbsent('IdJagRedeemed', id, 60)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await two.createIfAbsent('IdJagRedeemed', id, 60)).toBe(false);
        expect(await one.createIfAbsent('IdJagRedeemed', id, 60)).toBe(false);
      }
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
