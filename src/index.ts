/**
 * mcp-gatehouse: OAuth 2.1 for MCP servers, on Web-standard `Request` and
 * `Response` and no Node APIs (tested on Node and on Deno: runtime-tests/).
 *
 * Every name below is a promise kept across minor versions; docs/api.md lists
 * them, and src/public-api.test.ts holds the root to at most 40 values. The
 * errors are also `mcp-gatehouse/errors`, token exchange is
 * `mcp-gatehouse/exchange`.
 *
 * @example
 * ```ts
 * import { createGatehouse, configFromEnv } from 'mcp-gatehouse';
 *
 * const gate = createGatehouse(configFromEnv(process.env)); // OAUTH_ISSUER_URL, PUBLIC_URL, ...
 * await gate.ready();
 * const response = await gate.fetch(request, (req, authInfo) => mcpServer.handle(req, authInfo));
 * ```
 *
 * @packageDocumentation
 */

// The gate
export { createGatehouse, type GatehouseOptions, type GatehouseInstance } from './gatehouse.js';
export type { Gatehouse, GateRequest, GateResult, AuthenticateOptions } from './types.js';
export type { AuthInfo, TokenVerifier, VerifyContext } from './tokens/types.js';

// Config
export { resolveConfig, configFromEnv, mergeConfig, configSchema, ENV_NAMES } from './config/index.js';
export type { GatehouseConfig, GatehouseConfigInput, ConfigLayer } from './config/index.js';

// Errors (the same classes as mcp-gatehouse/errors)
export {
  GatehouseError,
  OAuthError,
  InvalidTokenError,
  MissingTokenError,
  InvalidRequestError,
  RequestTooLargeError,
  TemporarilyUnavailableError,
  InsufficientScopeError,
  ConfigError,
  DiscoveryError,
  TokenExchangeError,
  type ErrorCode,
  type AnyGatehouseError,
} from './errors.js';

// Building blocks of the gate, for custom edges
export { authenticateRequest, type GateContext } from './gate/authenticate.js';
export { extractBearerToken } from './gate/bearer.js';
export { buildChallenge, challengeResponse, type ChallengeOptions } from './gate/challenge.js';
export { isEndpointRequest } from './gate/endpoint.js';
export { readJsonBody } from './gate/read-body.js';
export { resourceUri, protectedResourceMetadataUrl } from './gate/resource.js';
export { toolScopesFor, type ToolScopeDemand } from './gate/tool-scopes.js';
export { protectedResourceMetadata, type ProtectedResourceMetadata } from './documents/protected-resource.js';
export { checkRedirectUri, type RedirectUriCheck, type RedirectUriOptions } from './registration/redirect-uri.js';

// Verifiers, for a gate of your own or a `verifier` option
export { createVerifier, type GatehouseVerifier } from './tokens/create-verifier.js';
export { createJwtVerifier, type JwtVerifierOptions, type KeySource } from './tokens/jwt-verifier.js';
export { createIntrospectionVerifier, type IntrospectionVerifier, type IntrospectionVerifierOptions } from './tokens/introspection.js';
export { cacheVerifications, type CachingVerifier, type VerificationCacheOptions } from './tokens/verification-cache.js';
export { claimsToAuthInfo } from './tokens/claims.js';

// The issuer's metadata and keys
export type { AuthorizationServerMetadata } from './discovery/types.js';
export { fetchIssuerMetadata, type FetchIssuerMetadataOptions, type FetchedIssuerMetadata } from './discovery/fetch-metadata.js';
export { UpstreamMetadata, type UpstreamMetadataOptions } from './discovery/upstream.js';
export { JwksCache, type JwksCacheOptions, type JwksCacheCounters } from './discovery/jwks-cache.js';

// Telemetry: audit events and measurement hooks (the Node servers turn them into logs and Prometheus metrics).
export { combineTelemetry } from './telemetry/combine.js';
export type { Telemetry, AuditEvent, AuditEventName, GateCheck, GateOutcome, OperationEvent } from './telemetry/types.js';
