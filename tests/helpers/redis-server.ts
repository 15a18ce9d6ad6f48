/**
 * A real redis-server for a test (see redis-process.ts). Tests that need
 * one use `describeWithRedis`: without redis-server they are skipped with a
 * warning, except under `CI=true`, where a missing server fails the file
 * (CI must never pass without running them; `.ci/run` installs Debian's
 * redis-server).
 */
import { describe } from 'vitest';
import { hasRedisServer } from './redis-process.js';

export { hasRedisServer, startRedisServer, type TestRedis } from './redis-process.js';

if (!hasRedisServer) {
  if (process.env.CI === 'true') throw new Error('redis-server is missing and CI=true: install it (apt-get install -y redis-server); the Redis tests must run in CI');
  console.warn('Skipping the Redis tests: redis-server is absent (install it with: apt-get install -y redis-server).');
}

/** `describe` when redis-server is here, `describe.skip` otherwise (see the module comment). */
export const describeWithRedis: typeof describe = hasRedisServer ? describe : (describe.skip as typeof describe);
