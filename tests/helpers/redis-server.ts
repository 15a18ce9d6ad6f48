/**
 * A real redis-server for a test (see redis-process.ts). Tests that need
 * one use `describeWithRedis`: without redis-server they are skipped with a
 * warning, except under `CI=true`, where a missing server fails the file
 * (CI must never pass without running them; `.ci/run` installs Debian's
 * redis-server).
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { openRedis } from '../../src/authority/stores/redis-connection.js';
import { hasRedisServer, startRedisServer, type TestRedis } from './redis-process.js';

export { hasRedisServer, startRedisServer, type TestRedis } from './redis-process.js';

if (!hasRedisServer) {
  if (process.env.CI === 'true') throw new Error('redis-server is missing and CI=true: install it (apt-get install -y redis-server); the Redis tests must run in CI');
  console.warn('Skipping the Redis tests: redis-server is absent (install it with: apt-get install -y redis-server).');
}

/** `describe` when redis-server is here, `describe.skip` otherwise (see the module comment). */
export const describeWithRedis: typeof describe = hasRedisServer ? describe : (describe.skip as typeof describe);

/**
 * A redis-server for the enclosing `describe` and the connections a test
 * opens to it (each one an instance), all closed after the block: for
 * tests of one Redis-backed piece, several instances of it on one server.
 *
 * @example
 * ```ts
 * const redis = useRedisServer();
 * it('counts together', async () => { const [a, b] = [store(redis.connect()), store(redis.connect())]; ... });
 * ```
 */
export function useRedisServer(): { readonly server: TestRedis; connect(): Redis } {
  let server: TestRedis | undefined;
  const connections: Redis[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const redis of connections) redis.disconnect();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('useRedisServer: the server starts in beforeAll; ask for it inside a test');
      return server;
    },
    connect() {
      const redis = openRedis(this.server.url, { warn: () => {} });
      connections.push(redis);
      return redis;
    },
  };
}
