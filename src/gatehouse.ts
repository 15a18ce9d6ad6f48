import { isResolvedConfig, resolveConfig } from './config/resolve.js';
import type { ConfigLayer, GatehouseConfig, GatehouseConfigInput } from './config/schema.js';
import { assertKeysLoaded } from './discovery/keys-at-start.js';
import { UpstreamMetadata } from './discovery/upstream.js';
import { withCors } from './http/cors.js';
import { handleRoutes, servesPath } from './documents/router.js';
import { authenticateRequest, type GateContext } from './gate/authenticate.js';
import { isEndpointRequest } from './gate/endpoint.js';
import { createVerifier } from './tokens/create-verifier.js';
import type { TokenVerifier } from './tokens/types.js';
import type { Telemetry } from './telemetry/types.js';
import { observeGate } from './telemetry/observe-gate.js';
import type { Gatehouse } from './types.js';

/**
 * Options of `createGatehouse`.
 *
 * @example
 * ```ts
 * const gate = createGatehouse(config, { fetch: proxiedFetch });
 * ```
 */
export interface GatehouseOptions {
  /** A `fetch` for upstream metadata, keys and introspection (tests, proxies, custom agents). */
  fetch?: typeof fetch;
  /**
   * Verifies tokens instead of the built-in JWT/introspection verifier. The
   * gate then does not wait for the upstream metadata before verifying.
   */
  verifier?: TokenVerifier;
  /**
   * Audit events (`request.refused`) and measurements (each check's outcome
   * and duration) go here; absent, the gate calls nothing.
   */
  telemetry?: Telemetry;
}

/**
 * A gate with access to the upstream metadata it follows.
 *
 * @example
 * ```ts
 * await gate.ready();
 * console.log(gate.upstream.current?.token_endpoint);
 * ```
 */
export interface GatehouseInstance extends Gatehouse {
  readonly upstream: UpstreamMetadata;
  /**
   * For `/readyz`: ready once the metadata and (for the built-in verifier) the
   * issuer's keys are loaded. While the keys are missing, a call fetches them
   * again once the JWKS cooldown has passed (so a flood of `/readyz` costs the
   * issuer one request per cooldown), and a lazy start turns ready then.
   */
  readiness(): Promise<{ ready: boolean; detail: string }>;
}

/** After a failed discovery, requests fail at once for this long instead of each waiting on the IdP. */
const DISCOVERY_RETRY_MS = 5_000;

/**
 * Creates the gate for one protected MCP endpoint: the front doors, the DCR
 * façade, and the bearer-token check, all on Web-standard `Request`/`Response`.
 *
 * @example
 * ```ts
 * const gate = createGatehouse({ issuer: 'https://idp.example.com', publicUrl: 'https://mcp.example.com', scopes: { required: ['mcp'] } });
 * await gate.ready(); // fails fast with a DiscoveryError when the issuer is unreachable
 * export default { fetch: (request: Request) => gate.fetch(request, (req, authInfo) => mcpHandler(req, authInfo)) };
 * ```
 */
export function createGatehouse(input: GatehouseConfigInput | GatehouseConfig | ConfigLayer, options: GatehouseOptions = {}): GatehouseInstance {
  // The authority and the proxy hand on the config they resolved: it is checked once per start.
  const config = isResolvedConfig(input) ? input : resolveConfig(input);
  const upstream = new UpstreamMetadata({
    issuer: config.issuer,
    overrides: config.discovery.overrides,
    refreshIntervalSec: config.discovery.refreshIntervalSec,
    timeoutMs: config.discovery.timeoutMs,
    fetch: options.fetch,
  });
  const builtIn = options.verifier ? undefined : createVerifier(config, upstream, { fetch: options.fetch });
  const verifier: TokenVerifier = options.verifier ?? builtIn!;

  // With every token introspected, the issuer's keys are never read.
  const needsKeys = builtIn !== undefined && config.introspection?.use !== 'always';
  let loading: Promise<void> | undefined;
  let failure: { at: number; error: unknown } | undefined;

  function ready(): Promise<void> {
    if (failure && Date.now() - failure.at < DISCOVERY_RETRY_MS && !loading) return Promise.reject(failure.error);
    loading ??= (async function load() {
      await upstream.load();
      if (!needsKeys) return;
      await builtIn.jwks.reload();
      // Fail at deploy time, not at the first user. Later outages keep the cached keys (see JwksCache).
      if (!config.discovery.lazyStart) assertKeysLoaded(builtIn.jwks);
    })().then(
      () => {
        failure = undefined;
      },
      (error: unknown) => {
        loading = undefined;
        failure = { at: Date.now(), error };
        throw error;
      },
    );
    return loading;
  }

  const gateContext: GateContext = {
    config,
    verifier,
    // Only the built-in verifier needs the metadata (issuer, jwks_uri); once loaded this is free.
    prepare: builtIn ? () => (upstream.current ? undefined : ready()) : undefined,
  };

  const gate: GatehouseInstance = {
    config,
    verifier,
    upstream,
    ready,
    async readiness() {
      if (!upstream.current) return { ready: false, detail: 'the issuer\'s metadata is not loaded yet' };
      if (!needsKeys || builtIn.jwks.jwks) return { ready: true, detail: 'ready' };
      await builtIn.jwks.retryIfDue();
      if (builtIn.jwks.jwks) return { ready: true, detail: 'ready' };
      return { ready: false, detail: `the issuer's signing keys are not loaded yet: ${builtIn.jwks.lastFailure ?? 'no attempt yet'}` };
    },
    protects: (request) => isEndpointRequest(request, config),
    servesPath: (pathname) => servesPath(pathname, config),
    handle: (request) => handleRoutes(request, { config, upstream }),
    authenticate: observeGate((request, authOptions) => authenticateRequest(request, gateContext, authOptions), config, options.telemetry),
    async fetch(request, next) {
      const own = await gate.handle(request);
      if (own) return own;
      if (!gate.protects(request)) return next(request, undefined);
      const result = await gate.authenticate(request);
      if (!result.ok) return result.response;
      return withCors(await next(request, result.authInfo));
    },
    close() {
      upstream.close();
    },
  };
  return gate;
}
