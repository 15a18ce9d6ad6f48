/**
 * A store that cannot be reached (Redis down, a command timed out) is an
 * answer, not a crash: the authority's endpoints say `503` with a JSON
 * OAuth error and `Retry-After`, `/readyz` names the store, and nothing
 * waits longer than the store's command timeout.
 */
import type { ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { sendJson } from '../http/node/respond.js';
import { describeRedisUrl } from './stores/redis-connection.js';
import type { RedisStoreFactory } from './stores/redis.js';
import { StoreUnavailableError, type StoreFactory } from './stores/types.js';

/** Seconds a client is told to wait; Redis reconnects at least every two seconds. */
export const STORE_RETRY_AFTER_SEC = 5;

const BODY = {
  error: 'temporarily_unavailable',
  error_description: "The authorization server's store is unreachable; try again in a few seconds",
};

/**
 * True when `err`, or an error it was caused by, is a store outage.
 *
 * @example
 * ```ts
 * if (isStoreOutage(err)) return answerStoreOutage(res);
 * ```
 */
export function isStoreOutage(err: unknown): boolean {
  return outageIn(err) !== undefined;
}

/** The store outage `err` is or was caused by. */
function outageIn(err: unknown): StoreUnavailableError | undefined {
  for (let at: unknown = err, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) {
    if (at instanceof StoreUnavailableError) return at;
  }
  return undefined;
}

/** The answer's body: the outage's own description for clients (a state directory that cannot be written) or the default. */
function bodyFor(err: unknown): typeof BODY {
  const description = outageIn(err)?.description;
  return description ? { ...BODY, error_description: description } : BODY;
}

/**
 * Sends the outage answer on a plain Node response (the sign-in pages, the gate's own store reads).
 *
 * @example
 * ```ts
 * answerStoreOutage(res);
 * ```
 */
export function answerStoreOutage(res: ServerResponse, err?: unknown): void {
  if (res.headersSent) return void res.destroy();
  res.setHeader('retry-after', String(STORE_RETRY_AFTER_SEC));
  res.setHeader('cache-control', 'no-store');
  sendJson(res, 503, bodyFor(err));
}

/**
 * Makes every oidc-provider endpoint answer a store outage with 503 (its
 * own error handler would say 500 `server_error`). Install it first, so it
 * wraps everything else.
 *
 * @example
 * ```ts
 * answerStoreOutagesIn(provider);
 * ```
 */
export function answerStoreOutagesIn(provider: Provider): void {
  const DOWN = Symbol('store down');
  provider.on('server_error', (ctx: { state: Record<symbol, unknown> }, err: unknown) => {
    if (isStoreOutage(err)) ctx.state[DOWN] = err;
  });
  provider.use(async function storeOutage(ctx, next) {
    try {
      await next();
    } catch (err) {
      if (!isStoreOutage(err)) throw err;
      (ctx.state as Record<symbol, unknown>)[DOWN] = err;
    }
    const outage = (ctx.state as Record<symbol, unknown>)[DOWN];
    if (!outage) return;
    ctx.status = 503;
    ctx.set('retry-after', String(STORE_RETRY_AFTER_SEC));
    ctx.set('cache-control', 'no-store');
    ctx.type = 'application/json';
    ctx.body = bodyFor(outage);
  });
}

/**
 * What `/readyz` says about the store: Redis answers a PING within the
 * command timeout, or the instance is not ready (the URL named, its password never).
 *
 * @example
 * ```ts
 * serve({ ..., readiness: () => storeReadiness(store, config.authority.redisUrl) });
 * ```
 */
export async function storeReadiness(store: StoreFactory, redisUrl: string | undefined): Promise<{ ready: boolean; detail: string }> {
  if (store.kind !== 'redis') return { ready: true, detail: `store ${store.kind}` };
  const { redis } = store as RedisStoreFactory;
  const where = `store redis ${describeRedisUrl(redisUrl ?? '')}`;
  if (redis.status !== 'ready') return { ready: false, detail: `${where}: unreachable (${redis.status})` };
  try {
    await redis.ping();
    return { ready: true, detail: `${where}: ok` };
  } catch {
    return { ready: false, detail: `${where}: unreachable` };
  }
}
