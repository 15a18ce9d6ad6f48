import type { IncomingMessage } from 'node:http';
import { RPC_ERRORS, rpcErrorResponse } from '../../adapters/rpc-error.js';
import { clientAddress } from '../../server/client-address.js';
import { addressKey } from '../identity/address-bucket.js';
import type { GatehouseConfig } from '../../config/schema.js';
import type { Telemetry } from '../../telemetry/types.js';
import { isStoreOutage, STORE_RETRY_AFTER_SEC } from '../store-outage.js';
import { memoryBucketStore, type BucketLimit, type BucketStore } from './bucket-store.js';

/** Options of {@link refusalRateLimit}. */
export interface RefusalRateLimitOptions extends BucketLimit {
  buckets: BucketStore;
  /** Read the caller's address from the trusted proxy's `X-Forwarded-For` (GATEHOUSE_TRUST_PROXY). */
  trustProxy: boolean;
  /** Told about each refusal turned into a 429 (the `ratelimit.hit` audit event). */
  onLimited?: (facts: { address: string }) => void;
}

/** What the Node adapter calls with each refusal of the MCP endpoint; resolves to the answer to send. */
export type RefusalHook = (req: IncomingMessage, refusal: Response) => Promise<Response>;

/**
 * A token bucket of refused tokens per client address (an IPv6 /64 counts
 * as one) at the MCP endpoint. A 401 to a request that presented a token
 * takes one; once the address has none left, its next such refusal is a
 * `429` with `Retry-After` and a JSON-RPC error instead, until the bucket
 * refills. The check runs after verification, so a valid token is never
 * refused here: the other users of a shared egress keep working while one
 * caller behind it keeps sending bad tokens. Requests without a token (the
 * first step of every client's discovery) and 403s (valid token, missing
 * scope) are not counted. While the store is unreachable such a refusal
 * is a `503` with `Retry-After` instead (the caller retries; nothing goes
 * uncounted).
 *
 * @example
 * ```ts
 * const guard = gatehouseNode(gate, { onRefusal: refusalRateLimit({ burst: 60, refillSec: 1, trustProxy: false, buckets }) });
 * ```
 */
export function refusalRateLimit(options: RefusalRateLimitOptions): RefusalHook {
  return async function limitRefusals(req, refusal) {
    if (refusal.status !== 401 || !req.headers.authorization) return refusal;
    const address = clientAddress(req, options.trustProxy);
    let waitMs: number;
    try {
      waitMs = await options.buckets.take(`mcp:refused:${addressKey(address)}`, options);
    } catch (err) {
      // The count unreachable (Redis down): the caller waits and retries, never a 500, never an uncounted refusal.
      if (!isStoreOutage(err)) throw err;
      return rpcErrorResponse(503, RPC_ERRORS.serverError, 'The rate-limit store is unreachable; try again in a few seconds', {
        'retry-after': String(STORE_RETRY_AFTER_SEC),
        'cache-control': 'no-store',
        'access-control-expose-headers': 'Retry-After, WWW-Authenticate',
      });
    }
    if (waitMs === 0) return refusal;
    options.onLimited?.({ address });
    const retryAfterSec = Math.max(1, Math.ceil(waitMs / 1000));
    return rpcErrorResponse(429, RPC_ERRORS.serverError, `Too many requests with invalid tokens from this address; retry after ${retryAfterSec} s`, {
      'retry-after': String(retryAfterSec),
      'cache-control': 'no-store',
      'access-control-expose-headers': 'Retry-After, WWW-Authenticate',
    });
  };
}

/**
 * The MCP endpoint's refusal limit as the config sets it
 * (`mcpRefusalLimit`, `trustProxy`), each hit an audit event
 * `ratelimit.hit` with `limit: 'mcp'`.
 *
 * @example
 * ```ts
 * const guard = gatehouseNode(gate, { onRefusal: configuredRefusalLimit(gate.config, { telemetry }) });
 * ```
 */
export function configuredRefusalLimit(config: GatehouseConfig, options: { buckets?: BucketStore; telemetry?: Telemetry } = {}): RefusalHook {
  const { telemetry } = options;
  return refusalRateLimit({
    ...config.mcpRefusalLimit,
    buckets: options.buckets ?? memoryBucketStore(),
    trustProxy: config.trustProxy,
    onLimited: telemetry?.audit ? ({ address }) => telemetry.audit?.({ event: 'ratelimit.hit', limit: 'mcp', status: 429, address }) : undefined,
  });
}
