import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider from 'oidc-provider';
import { gatehouseNode, type GatedIncomingMessage, type NextFunction } from '../adapters/node/middleware.js';
import { resolveConfig } from '../config/resolve.js';
import { UpstreamError } from '../errors.js';
import type { AuthInfo } from '../tokens/types.js';
import type { ConfigLayer, GatehouseConfig, GatehouseConfigInput } from '../config/schema.js';
import { createGatehouse, type GatehouseInstance } from '../gatehouse.js';
import { pathOf } from '../http/node/request-path.js';
import { sendJson } from '../http/node/respond.js';
import { cacheVerifications } from '../tokens/verification-cache.js';
import { installDefaultScope } from './provider/default-scope.js';
import { keepEarlyErrorsOnOurPage } from './provider/early-authorization-errors.js';
import { checkGuardRails, printWarnings } from './guard-rails.js';
import { requireLiveGrant } from './live-grants.js';
import { answerStoreOutage, answerStoreOutagesIn, isStoreOutage, storeReadiness } from './store-outage.js';
import { createLocalAccounts, identityConfiguration } from './identity/index.js';
import { createInteractionHandler, interactionsConfiguration } from './interactions/index.js';
import type { LiveAuthorityKeys } from './keys/index.js';
import { loadInstanceSecrets, requireSharedSecret } from './shared-state.js';
// Not through keys/index.js: that is imported by CLI commands that must not load oidc-provider.
import { swapProviderKeys } from './keys/provider-keystore.js';
import { JWKS_WELL_KNOWN_PATH, routeJwksAlias } from './provider/jwks-alias.js';
import { installMetadata, isAuthorityMetadataPath } from './provider/metadata.js';
import { ownAccessTokenVerifier } from './own-tokens.js';
import { buildProviderConfiguration } from './provider/provider-config.js';
import { pinPublicOrigin } from './provider/public-origin.js';
import { authorityRoutes } from './provider/routes.js';
import { installRegistrationRules, registrationConfiguration, type FetchHook } from './registration/index.js';
import { installRegistrationCors } from './registration/cors.js';
import { installRegistrationRateLimit } from './registration/rate-limit.js';
import { createStore, type RedisStoreFactory } from './stores/index.js';
import { redisRevocations } from './stores/redis-revocations.js';
import { createBroker, type Broker } from './upstream/broker.js';
import { expireIdleClients } from './stores/idle-clients.js';
import { installTokenExchange } from './token-exchange/index.js';
import { installIdJagGrant } from './id-jag/index.js';
import { installAuditEvents } from './provider/audit-events.js';
import { observeStore } from './stores/observed.js';
import { memoryBucketStore, type BucketStore } from './limits/bucket-store.js';
import { redisBucketStore } from './limits/redis-bucket-store.js';
import { installTokenRateLimit } from './limits/token-rate-limit.js';
import { configuredRefusalLimit } from './limits/refusal-rate-limit.js';
import { sharedSignInLimits } from './limits/sign-in-rate-limit.js';
import { createMemorySignInThrottle } from './identity/sign-in-throttle.js';
import { createRedisSignInThrottle } from './identity/redis-sign-in-throttle.js';
import { deriveKey } from './stores/redis-key-file.js';
import type { Telemetry } from '../telemetry/types.js';

/** Options of {@link createAuthority}. */
export interface AuthorityOptions {
  /** The fetch that loads Client ID Metadata Documents (tests: one that trusts a local certificate authority). */
  fetch?: FetchHook;
  /** True when `publicUrl` was filled in by default (no PUBLIC_URL): refused in production. */
  publicUrlDefaulted?: boolean;
  /** Where the guard rails' warnings go, one line each. Default: stderr. */
  warn?: (line: string) => void;
  /** Tests: how often the signing keys are re-read from the key file (default a minute), and the clock they are retired by. */
  keyRefresh?: { intervalMs?: number; now?: () => number };
  /**
   * Audit events (tokens, registrations, sign-ins, consents, refusals,
   * rate-limit hits) and measurements (gate checks, store operations).
   */
  telemetry?: Telemetry;
  /** Where the rate-limit buckets (registration, token, sign-in, MCP refusals) live; default: Redis on the Redis store (shared by every instance), else this process's memory. */
  buckets?: BucketStore;
}

/** Gatehouse's authorization server and the gate in front of the MCP endpoint, on one origin. */
export interface Authority {
  readonly config: GatehouseConfig;
  /** The oidc-provider instance (a Koa app). */
  readonly provider: Provider;
  /** The gate; it verifies the authority's tokens in process, without fetching its JWKS. */
  readonly gate: GatehouseInstance;
  /** The signing keys in use now (they follow the key file, see keys/live-keys.ts). */
  readonly keys: LiveAuthorityKeys;
  /** The gate's verification cache counters (`hits`, `misses`), for the metrics. */
  readonly verificationCache: { readonly hits: number; readonly misses: number };
  /**
   * Serves the whole origin: the gate's documents, the protected endpoint,
   * the sign-in pages, the authorization server's endpoints and metadata.
   * A request to the protected endpoint that passes the gate goes to `next`
   * with `req.auth` set; so does any path nobody here answers. Without
   * `next`, those get 404.
   */
  handler(req: IncomingMessage, res: ServerResponse, next?: NextFunction): Promise<void>;
  /** For `/readyz`: whether the store answers (on Redis, a PING within the command timeout). */
  readiness(): Promise<{ ready: boolean; detail: string }>;
  /**
   * Broker mode (`upstream` configured): the upstream access token of the
   * user behind a token the gate accepted, refreshed at the upstream when it
   * expired (concurrent calls share one refresh). It stays on the server:
   * give it to the upstream's APIs, never to the MCP client. Throws an
   * `UpstreamError` (`ERR_UPSTREAM_NO_TOKEN` outside broker mode or when
   * the sign-in's tokens are gone: the user signs in again).
   */
  upstreamTokenFor(authInfo: AuthInfo): Promise<string>;
  /** Broker mode: the upstream, for what it says of a user (`userInfo`) and the callback to register there. */
  readonly upstream?: Broker['upstream'];
  /** Stops timers and releases the store. */
  close(): Promise<void>;
}

/**
 * Builds the authority from the config: keys and secrets from the state
 * directory, the store, local accounts, client registration rules and the
 * sign-in pages, the oidc-provider instance (issuer = the public origin),
 * and a gate that verifies its tokens in process. Refuses to start in
 * production with an unsafe setting; warns about each one in development.
 *
 * @example
 * ```ts
 * const authority = await createAuthority({ publicUrl: 'http://localhost:3000' });
 * http.createServer((req: GatedIncomingMessage, res) =>
 *   authority.handler(req, res, () => (req.auth ? mcp.node(req, res) : res.writeHead(404).end())),
 * ).listen(3000);
 * ```
 */
export async function createAuthority(input: GatehouseConfigInput | GatehouseConfig | ConfigLayer, options: AuthorityOptions = {}): Promise<Authority> {
  const config = resolveConfig({ ...input, mode: 'authority' });
  printWarnings(checkGuardRails(config, { publicUrlDefaulted: options.publicUrlDefaulted }), options.warn);

  requireSharedSecret(config.authority);
  const baseStore = createStore(config.authority);
  const secrets = await loadInstanceSecrets(config, baseStore, {
    keyRefresh: options.keyRefresh,
    warn: (message) => printWarnings([message], options.warn),
  }).catch(async (err: unknown) => {
    await baseStore.close();
    throw err;
  });
  const { keys, cookieKey } = secrets;
  const { telemetry } = options;
  const store = expireIdleClients(observeStore(baseStore, telemetry), { idleSec: config.authority.registeredClientIdleDays * 86_400 });
  let broker: Broker | undefined;
  try {
    // Fails fast when the upstream's metadata cannot be fetched.
    broker = await createBroker(config, store, { log: options.warn ? (line) => options.warn!(line) : undefined, telemetry });
  } catch (err) {
    keys.close();
    await store.close();
    throw err;
  }
  const accounts = broker?.accounts ?? createLocalAccounts(config);
  if (!broker && !accounts.devLogin && (await accounts.countUsers()) === 0) {
    printWarnings([`no users in ${accounts.usersFile}: nobody can sign in until one is added with \`gatehouse users add <name>\``], options.warn);
  }

  const identity = identityConfiguration(accounts);
  const provider = new Provider(
    config.issuer,
    buildProviderConfiguration(config, {
      jwks: keys.jwks,
      cookieKeys: [cookieKey],
      adapter: store,
      findAccount: identity.findAccount!,
      grantableScopes: accounts.grantableScopes,
      fragments: [identity, registrationConfiguration(config, { fetch: options.fetch }), interactionsConfiguration(config)],
    }),
  );
  // First, so it wraps every other middleware: a store outage is a 503, not oidc-provider's 500.
  answerStoreOutagesIn(provider);
  // URLs and cookies follow the issuer, never the request's Host or X-Forwarded-* (see provider/public-origin.ts).
  pinPublicOrigin(provider, config.issuer);
  broker?.attach(provider);
  installAuditEvents(provider, telemetry);
  installTokenExchange(provider, config, keys, { accountIsActive: accounts.accountIsActive });
  const idJag = installIdJagGrant(provider, config, store, config.authority.signingAlgorithms[0]!, { telemetry });
  installDefaultScope(provider, config);
  installMetadata(provider, config);
  keepEarlyErrorsOnOurPage(provider, config);
  const routes = authorityRoutes(config.authority.routePrefix);
  installRegistrationCors(provider, routes.registration);
  // After CORS, so a browser client can read the 429.
  // On Redis every instance counts against one limit; elsewhere this process counts alone.
  const buckets = options.buckets ?? (baseStore.kind === 'redis' ? redisBucketStore((baseStore as RedisStoreFactory).redis, (baseStore as RedisStoreFactory).prefix, deriveKey(config.authority.secret!, 'rate limits')) : memoryBucketStore());
  installRegistrationRateLimit(provider, routes.registration, {
    ...config.authority.registrationRateLimit,
    buckets,
    trustProxy: config.trustProxy,
    onLimited: telemetry?.audit ? () => telemetry.audit?.({ event: 'ratelimit.hit', limit: 'register', status: 429 }) : undefined,
  });
  installTokenRateLimit(provider, routes.token, {
    ...config.authority.tokenRateLimit,
    trustProxy: config.trustProxy,
    buckets,
    onLimited: telemetry?.audit ? ({ clientId }) => telemetry.audit?.({ event: 'ratelimit.hit', limit: 'token', status: 429, clientId }) : undefined,
  });
  await installRegistrationRules(provider, config);

  const ownTokens = cacheVerifications(ownAccessTokenVerifier(config, keys), { ttlSec: config.jwt.cacheTtlSec, maxEntries: config.jwt.cacheMaxEntries });
  const revocations = baseStore.kind === 'redis' ? redisRevocations((baseStore as RedisStoreFactory).redis, (baseStore as RedisStoreFactory).prefix) : undefined;
  const verifier = requireLiveGrant(ownTokens, provider, { accountIsActive: accounts.accountIsActive, revocations });
  keys.onChange(function useNewKeys(next) {
    swapProviderKeys(provider, next.jwks);
    // A token verified with a key that is now gone must not be served from the cache.
    ownTokens.cache.clear();
  });
  const gate = createGatehouse(config, { verifier, telemetry });
  const guard = gatehouseNode(gate, { onRefusal: configuredRefusalLimit(config, { buckets, telemetry }) });
  // On Redis the backoff is counted where every instance sees it; elsewhere this process counts alone.
  const backoff =
    baseStore.kind === 'redis'
      ? createRedisSignInThrottle({ ...config.authority.signInThrottle, redis: (baseStore as RedisStoreFactory).redis, prefix: (baseStore as RedisStoreFactory).prefix, keyKey: deriveKey(config.authority.secret!, 'sign-in throttle') })
      : createMemorySignInThrottle(config.authority.signInThrottle);
  const throttle = sharedSignInLimits(backoff, buckets, config.authority.signInRateLimit);
  const interactions = createInteractionHandler(provider, accounts, config, { telemetry, throttle, ...(broker ? { broker } : {}) });
  const callback = provider.callback();
  const prefix = config.authority.routePrefix;

  async function handler(req: GatedIncomingMessage, res: ServerResponse, next?: NextFunction): Promise<void> {
    try {
      await route(req, res, next);
    } catch (err) {
      if (!isStoreOutage(err)) throw err;
      answerStoreOutage(res, err);
    }
  }

  async function route(req: GatedIncomingMessage, res: ServerResponse, next?: NextFunction): Promise<void> {
    if (await guard(req, res)) return;
    if (req.auth) return next ? next() : sendJson(res, 404, { error: 'not_found' });
    if (await interactions(req, res)) return;
    const path = pathOf(req);
    if (broker && path === broker.callbackPath) return broker.handleCallback(req, res);
    if (path === JWKS_WELL_KNOWN_PATH) routeJwksAlias(req, routes.jwks);
    if (isAuthorityMetadataPath(path) || path === JWKS_WELL_KNOWN_PATH || path === prefix || path.startsWith(`${prefix}/`)) return callback(req, res);
    return next ? next() : sendJson(res, 404, { error: 'not_found' });
  }

  return {
    config,
    provider,
    gate,
    keys,
    verificationCache: ownTokens.cache,
    handler,
    readiness: () => storeReadiness(baseStore, config.authority.redisUrl),
    upstreamTokenFor(authInfo) {
      if (!broker) return Promise.reject(new UpstreamError('ERR_UPSTREAM_NO_TOKEN', 'There is no upstream: set GATEHOUSE_UPSTREAM_* to run the authority in broker mode'));
      return broker.upstreamTokenFor(authInfo);
    },
    ...(broker ? { upstream: broker.upstream } : {}),
    async close() {
      keys.close();
      idJag.close();
      gate.close();
      await revocations?.close();
      await store.close();
    },
  };
}
