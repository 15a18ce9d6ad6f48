/**
 * The signing keys in Redis: sealed with GATEHOUSE_SECRET (nothing readable
 * in Redis), refused and never replaced under another secret, and an
 * authority on Redis does not start without the secret.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, startRedisServer, type TestRedis } from '../../../tests/helpers/redis-server.js';
import { ConfigError } from '../../errors.js';
import { createAuthority } from '../create-authority.js';
import { loadStoredKeys } from '../keys/load.js';
import { seal, redisKeyFile, unseal } from './redis-key-file.js';
import { createRedisStore, type RedisStoreFactory } from './redis.js';

const SECRET = 'the-first-shared-secret-0123456789-abcdef';
const OTHER = 'another-shared-secret-0123456789-abcdefgh';

it('seals and opens text only with the same secret and purpose', () => {
  const sealed = seal(SECRET, 'signing keys', '{"keys":[]}');
  expect(sealed).not.toContain('keys":');
  expect(unseal(SECRET, 'signing keys', sealed)).toBe('{"keys":[]}');
  expect(unseal(OTHER, 'signing keys', sealed)).toBeUndefined();
  expect(unseal(SECRET, 'cookies', sealed)).toBeUndefined();
  expect(unseal(SECRET, 'signing keys', `${sealed.slice(0, -2)}AA`)).toBeUndefined();
});

describeWithRedis('the signing keys in Redis', () => {
  let server: TestRedis;
  let store: RedisStoreFactory;
  beforeAll(async () => {
    server = await startRedisServer();
    store = createRedisStore({ url: server.url, prefix: 'keys-test:' });
  });
  afterAll(async () => {
    await store.close();
    await server.close();
  });

  it('keeps them sealed, shares them between instances, and refuses (never replaces) them under another secret', async () => {
    const first = await loadStoredKeys({ stateDir: '/nonexistent', algorithms: ['ES256'], keyStore: redisKeyFile(store.redis, store.prefix, SECRET, 'test') });
    const raw = (await store.redis.get('keys-test:keys'))!;
    expect(raw).toMatch(/^v1\./);
    expect(raw).not.toContain(first[0]!.jwk.kid);
    const second = await loadStoredKeys({ stateDir: '/nonexistent', algorithms: ['ES256'], keyStore: redisKeyFile(store.redis, store.prefix, SECRET, 'test') });
    expect(second.map((k) => k.jwk.kid)).toEqual(first.map((k) => k.jwk.kid));
    await expect(
      loadStoredKeys({ stateDir: '/nonexistent', algorithms: ['ES256'], keyStore: redisKeyFile(store.redis, store.prefix, OTHER, 'test') }),
    ).rejects.toThrow(/cannot be decrypted with this GATEHOUSE_SECRET/);
    expect(await store.redis.get('keys-test:keys')).toBe(raw);
  });

  it('does not start an authority on Redis without GATEHOUSE_SECRET', async () => {
    const start = createAuthority({ publicUrl: 'http://localhost:3000', authority: { store: 'redis', redisUrl: server.url, stateDir: '/nonexistent' } });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/GATEHOUSE_SECRET/);
  });
});
