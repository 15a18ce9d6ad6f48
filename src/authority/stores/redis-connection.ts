import { createRequire } from 'node:module';
import type * as IoRedis from 'ioredis';
import type { Redis } from 'ioredis';
import { redactString } from '../../log/redact.js';
import { StoreUnavailableError } from './types.js';

/**
 * ioredis, loaded the first time a Redis store opens: a server on the file
 * or memory store (`gatehouse demo`) never pays for loading it, about a
 * quarter of a second of its start on a busy machine. ioredis is CommonJS, so
 * `require` keeps opening a connection synchronous.
 */
function ioredis(): typeof IoRedis {
  return createRequire(import.meta.url)('ioredis') as typeof IoRedis;
}

/** How the Redis store talks to its server. */
export interface RedisConnectionOptions {
  /** The longest one command may take before it fails (the request then gets a 503). Default 2000 ms. */
  commandTimeoutMs?: number;
  /** The longest a connection attempt may take. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Where a lost or restored connection is reported, once each. Default `console.warn`. */
  warn?: (message: string) => void;
}

/**
 * A Redis URL with its password replaced, for messages and logs.
 *
 * @example
 * ```ts
 * describeRedisUrl('redis://app:hunter2@cache:6379/0'); // 'redis://app:[redacted]@cache:6379/0'
 * ```
 */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString().replace(':redacted@', ':[redacted]@');
  } catch {
    return redactString(url);
  }
}

/**
 * Opens a connection from a `redis://` or `rediss://` URL (credentials and
 * database in the URL; `rediss:` is TLS, trusting the system's and
 * `NODE_EXTRA_CA_CERTS`'s authorities). It reconnects by itself, at most
 * every two seconds, for as long as the process runs.
 *
 * @example
 * ```ts
 * const redis = openRedis('redis://127.0.0.1:6379', { commandTimeoutMs: 1000 });
 * ```
 */
export function openRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  const protocol = /^([a-z]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (protocol !== 'redis' && protocol !== 'rediss') {
    throw new TypeError(`GATEHOUSE_REDIS_URL must start with redis:// or rediss://, not ${JSON.stringify(describeRedisUrl(url))}`);
  }
  const warn = options.warn ?? ((message: string) => console.warn(`gatehouse: warning: ${message}`));
  const redis = new (ioredis().Redis)(url, {
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // A command in flight when the connection drops fails instead of waiting for the next connection.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    // Scripts are loaded per connection; a reconnect must not leave them unknown (ioredis resends on NOSCRIPT).
    enableReadyCheck: true,
  });
  let down = false;
  const lost = (why: string) => {
    if (down || redis.status === 'end') return;
    down = true;
    warn(`the Redis store at ${describeRedisUrl(url)} is unreachable (${redactString(why)}); retrying`);
  };
  redis.on('error', (err: Error) => lost(err.message));
  redis.on('reconnecting', () => lost('connection lost'));
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    warn(`the Redis store at ${describeRedisUrl(url)} is reachable again`);
  });
  return redis;
}

/**
 * Runs commands so that an unreachable Redis is a `StoreUnavailableError`
 * (a 503 upstream) and never a hang: while the client is reconnecting a
 * command fails at once instead of joining the offline queue. A script or
 * command error (a bug, not an outage) is rethrown unchanged.
 *
 * @example
 * ```ts
 * const run = guardRedis(redis);
 * const value = await run(() => redis.get('gatehouse:key'));
 * ```
 */
export function guardRedis(redis: Redis): <T>(command: () => Promise<T>) => Promise<T> {
  return async function run<T>(command: () => Promise<T>): Promise<T> {
    if (redis.status === 'reconnecting' || redis.status === 'close' || redis.status === 'end') {
      throw new StoreUnavailableError(`the Redis store is unreachable (${redis.status})`);
    }
    try {
      return await command();
    } catch (err) {
      if (err instanceof ioredis().ReplyError && !/^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)/.test((err as Error).message)) throw err;
      throw new StoreUnavailableError(`the Redis store did not answer: ${redactString((err as Error).message)}`, { cause: err });
    }
  };
}
