import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { gatehouseNode, type GatedIncomingMessage } from '../adapters/node/middleware.js';
import type { AuthorityOptions } from '../authority/create-authority.js';
import { activeSigningKey, loadOrCreateKeys, type AuthorityKeys } from '../authority/keys/index.js';
import { mergeConfig } from '../config/merge.js';
import { resolveConfig } from '../config/resolve.js';
import type { ConfigLayer, GatehouseConfig } from '../config/schema.js';
import { createGatehouse } from '../gatehouse.js';
import { ConfigError } from '../errors.js';
import { requireSharedSecret } from '../authority/shared-state.js';
import { describeRedisUrl, openRedis } from '../authority/stores/redis-connection.js';
import { deriveKey, redisKeyFile } from '../authority/stores/redis-key-file.js';
import type { Redis } from 'ioredis';
import { configuredRefusalLimit } from '../authority/limits/refusal-rate-limit.js';
import { redisBucketStore } from '../authority/limits/redis-bucket-store.js';
import { createAssertionSigner, type AssertionSigner } from './http/assertion.js';
import type { ScrapeSources } from '../metrics/gatehouse-metrics.js';
import { gateSources } from '../metrics/observability.js';

/**
 * The gate in front of the proxy, in either mode: Gatehouse's own
 * authorization server (no issuer configured) or a resource server for an
 * existing identity provider. Either way it also provides the key that
 * signs identity assertions, and the key set that verifies them.
 */

/** Where the upstream finds the keys that verify `X-Gatehouse-Assertion`, in both modes. */
export const ASSERTION_JWKS_PATH = '/.well-known/gatehouse-proxy-jwks.json';

/** The scope every call needs when Gatehouse is the authorization server (as in `gatehouse demo`). */
export const AUTHORITY_PROXY_SCOPE = 'mcp:tools';

/** Options of {@link createGateFront}. */
export interface GateFrontOptions extends Pick<AuthorityOptions, 'fetch' | 'publicUrlDefaulted' | 'warn' | 'telemetry'> {
  /** The merged settings, `publicUrl` included. */
  layers: ConfigLayer;
  /** `aud` of identity assertions (the upstream URL); without it no signer is made. */
  assertionAudience?: string;
  /** Lifetime of identity assertions in seconds. Default 60. */
  assertionTtlSec?: number;
}

/** The gate and what the proxy needs from it. */
export interface GateFront {
  readonly config: GatehouseConfig;
  /**
   * Serves the gate's and the authority's routes. A request to the protected
   * endpoint that passes the gate, and any path nobody here serves, goes to
   * `next` (with `req.auth` set for the former).
   */
  handle(req: GatedIncomingMessage, res: ServerResponse, next: () => void): Promise<void>;
  /** Signs identity assertions (when `assertionAudience` was given). */
  readonly signer?: AssertionSigner;
  /** The public keys that verify identity assertions, served at {@link ASSERTION_JWKS_PATH}. */
  readonly assertionJwks: { keys: JWK[] };
  /** Whether the gate can verify tokens yet (a lazy start may begin without the issuer's keys); absent when always ready. */
  readiness?(): Promise<{ ready: boolean; detail: string }>;
  /** The gate's own counters (JWKS, discovery, verification cache), read by the metrics at scrape time. */
  readonly scrapeSources: ScrapeSources;
  close(): Promise<void>;
}

async function signerFor(keys: AuthorityKeys, issuer: string, options: GateFrontOptions): Promise<AssertionSigner | undefined> {
  if (!options.assertionAudience) return undefined;
  return createAssertionSigner({ key: activeSigningKey(keys, 'ES256'), issuer, audience: options.assertionAudience, ttlSec: options.assertionTtlSec });
}

/**
 * The proxy reads every body anyway (to bind sessions, and to pass it on), so
 * its gate cross-checks every POST's MCP 2026-07-28 standard headers against
 * it, not only when per-name scopes are set: the upstream, or anything
 * between that routes on the headers, never gets a request that disagrees.
 */
const PROXY_GATE_DEFAULTS: ConfigLayer = { headerCheck: 'always' };

async function authorityFront(options: GateFrontOptions): Promise<GateFront> {
  const layers = mergeConfig(PROXY_GATE_DEFAULTS, { scopes: { required: [AUTHORITY_PROXY_SCOPE] } }, options.layers);
  // Loaded only in authority mode: it pulls in oidc-provider, which a resource server does not need.
  const { createAuthority } = await import('../authority/create-authority.js');
  const authority = await createAuthority(layers, { fetch: options.fetch, publicUrlDefaulted: options.publicUrlDefaulted, warn: options.warn, telemetry: options.telemetry });
  // The authority's own keys sign assertions: its JWKS already publishes them.
  const signer = await signerFor(authority.keys, authority.config.issuer, options);
  return {
    config: authority.config,
    signer,
    assertionJwks: authority.keys.publicJwks,
    scrapeSources: { cache: authority.verificationCache },
    handle: (req, res, next) => authority.handler(req, res, next),
    close: () => authority.close(),
  };
}

/**
 * Gatehouse issues no tokens in resource-server mode, so assertions get a
 * key of their own, kept beside the authority's state; on the Redis store
 * in Redis (`<prefix>proxy:keys`, sealed with `GATEHOUSE_SECRET`), so every
 * instance behind a load balancer signs with the key the upstream finds in
 * whichever instance's key set it fetched.
 */
async function assertionKeys(config: GatehouseConfig): Promise<AuthorityKeys> {
  const { store, stateDir, redisUrl, redisPrefix } = config.authority;
  const options = { stateDir: join(stateDir, 'proxy'), algorithms: ['ES256'] as const, persist: store !== 'memory' };
  if (store !== 'redis') return loadOrCreateKeys(options);
  requireSharedSecret(config.authority);
  if (!redisUrl) throw new ConfigError('authority.store (GATEHOUSE_STORE) "redis" needs authority.redisUrl (GATEHOUSE_REDIS_URL)');
  const redis = openRedis(redisUrl);
  try {
    const keyStore = redisKeyFile(redis, `${redisPrefix}proxy:`, config.authority.secret!, describeRedisUrl(redisUrl));
    return await loadOrCreateKeys({ ...options, keyStore });
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** The connection the refusal limit counts on, on the Redis store; none elsewhere. */
function refusalRedis(config: GatehouseConfig, warn: GateFrontOptions['warn']): Redis | undefined {
  const { store, redisUrl } = config.authority;
  if (store !== 'redis') return undefined;
  requireSharedSecret(config.authority);
  if (!redisUrl) throw new ConfigError('authority.store (GATEHOUSE_STORE) "redis" needs authority.redisUrl (GATEHOUSE_REDIS_URL)');
  return openRedis(redisUrl, { warn });
}

async function resourceServerFront(options: GateFrontOptions): Promise<GateFront> {
  const config = resolveConfig(mergeConfig(PROXY_GATE_DEFAULTS, options.layers));
  const gate = createGatehouse(config, { fetch: options.fetch, telemetry: options.telemetry });
  await gate.ready();
  // On Redis every instance counts the refusals of one address against one bucket; elsewhere this process counts alone.
  const redis = refusalRedis(config, options.warn);
  const buckets = redis ? redisBucketStore(redis, config.authority.redisPrefix, deriveKey(config.authority.secret!, 'rate limits')) : undefined;
  const guard = gatehouseNode(gate, { onRefusal: configuredRefusalLimit(config, { buckets, telemetry: options.telemetry }) });
  const keys = await assertionKeys(config).catch(async (err: unknown) => {
    await redis?.quit().catch(() => redis.disconnect());
    throw err;
  });
  const issuer = new URL(config.publicUrl ?? config.issuer).origin;
  const signer = await signerFor(keys, issuer, options);
  return {
    config,
    signer,
    assertionJwks: keys.publicJwks,
    scrapeSources: gateSources(gate),
    handle(req: IncomingMessage, res, next) {
      // A then, not an async function: one promise less per request (each costs its async-context hooks).
      return guard(req, res).then((answered) => {
        if (!answered) next();
      });
    },
    readiness: () => gate.readiness(),
    async close() {
      gate.close();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * Creates the gate: the authority when no issuer is configured (and the
 * mode is not `resource-server`), else a resource server for that issuer.
 *
 * @example
 * ```ts
 * const front = await createGateFront({ layers: { publicUrl: 'http://localhost:3000' }, assertionAudience: 'http://127.0.0.1:8080/mcp' });
 * http.createServer((req, res) => front.handle(req, res, () => (req.auth ? proxy.handle(req, res) : notFound(res))));
 * ```
 */
export function createGateFront(options: GateFrontOptions): Promise<GateFront> {
  const { layers } = options;
  return !layers.issuer && layers.mode !== 'resource-server' ? authorityFront(options) : resourceServerFront(options);
}
