/**
 * The proxy's session owners in Redis, two registries (two instances) on
 * one real redis-server: what one binds the other checks, the cap holds
 * against concurrent `initialize`s on both, places of an instance that
 * never answered go by themselves, and an outage is an error, not a hang.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, startRedisServer, type TestRedis } from '../../../tests/helpers/redis-server.js';
import { StoreUnavailableError } from '../../authority/stores/types.js';
import type { SessionOwnerRegistry } from './owner-registry.js';
import { redisSessionOwners } from './redis-session-owners.js';

describeWithRedis('session owners in Redis', () => {
  let server: TestRedis;
  const opened: SessionOwnerRegistry[] = [];
  const open = (prefix: string, extra: { ttlMs?: number; maxPerOwner?: number; placeMs?: number } = {}) => {
    const registry = redisSessionOwners({ url: server.url, prefix, ttlMs: 60_000, placeMs: 60_000, warn: () => {}, ...extra });
    opened.push(registry);
    return registry;
  };
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(opened.map((registry) => registry.close()));
    await server.close();
  });

  it('shares owners between instances: the owner is ok on both, anyone else is told another owner, an unknown id unknown', async () => {
    const [a, b] = [open('share:'), open('share:')];
    expect(await a.bind('s1', 'alice')).toBe(true);
    expect(await b.check('s1', 'alice')).toBe('ok');
    expect(await b.check('s1', 'bob')).toBe('other-owner');
    expect(await b.check('s2', 'alice')).toBe('unknown');
    expect(await open('elsewhere:').check('s1', 'alice')).toBe('unknown');
    await b.forget('s1');
    expect(await a.check('s1', 'alice')).toBe('unknown');
  });

  it('holds the cap against initializes racing on two instances, and gives a place back when a session goes', async () => {
    const [a, b] = [open('cap:', { maxPerOwner: 3 }), open('cap:', { maxPerOwner: 3 })];
    const places = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).reserve('alice')));
    expect(places.filter((place) => place !== undefined)).toHaveLength(3);
    const [first, second] = places.filter((place): place is string => place !== undefined);
    expect(await a.bind('s1', 'alice', first)).toBe(true);
    await b.release('alice', second!);
    expect(await b.reserve('alice')).toBeDefined();
    expect(await a.reserve('alice')).toBeUndefined();
    expect(await a.retryAfterSec('alice')).toBeGreaterThan(50);
    expect(await b.reserve('bob')).toBeDefined();
    await b.forget('s1');
    expect(await a.reserve('alice')).toBeDefined();
  });

  it('lets a place no answer came of go after placeMs, and a session after the TTL without a request', async () => {
    const owners = open('idle:', { maxPerOwner: 1, ttlMs: 1500, placeMs: 100 });
    expect(await owners.reserve('alice')).toBeDefined();
    expect(await owners.reserve('alice')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const place = await owners.reserve('alice');
    expect(await owners.bind('s1', 'alice', place)).toBe(true);
    // Requests within the TTL keep it past the TTL counted from the bind.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await owners.check('s1', 'alice')).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await owners.check('s1', 'alice')).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect(await owners.check('s1', 'alice')).toBe('unknown');
    expect(await owners.reserve('alice')).toBeDefined();
  });

  it('moves an id the upstream hands out again to its new owner, giving the old owner its place back', async () => {
    const owners = open('again:', { maxPerOwner: 1 });
    expect(await owners.bind('s1', 'alice')).toBe(true);
    expect(await owners.bind('s1', 'bob')).toBe(true);
    expect(await owners.check('s1', 'alice')).toBe('other-owner');
    expect(await owners.bind('s2', 'alice')).toBe(true);
    expect(await owners.bind('s3', 'alice')).toBe(false);
    expect(await owners.check('s3', 'alice')).toBe('unknown');
  });

  it('rejects with StoreUnavailableError while Redis is down, and works again when it is back', async () => {
    const owners = open('down:');
    await owners.bind('s1', 'alice');
    await server.stop();
    const started = Date.now();
    await expect(owners.check('s1', 'alice')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(3000);
    await server.start();
    await expect.poll(() => owners.check('s1', 'alice').catch(() => 'down'), { timeout: 10_000, interval: 100 }).toBe('unknown');
  });
});
