/**
 * mcp-gatehouse: OAuth 2.1 for MCP servers, on Web-standard `Request` and
 * `Response`, so it runs on Node, Deno, Bun and Workers alike.
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
export type { Gatehouse, GateResult, AuthenticateOptions } from './types.js';

// Config
export { resolveConfig, configFromEnv, mergeConfig, configSchema, ENV_NAMES } from './config/index.js';
export type { GatehouseConfig, GatehouseConfigInput, ConfigLayer } from './config/index.js';

// Errors
export {
  GatehouseError,
  OAuthError,
  InvalidTokenError,
  MissingTokenError,
  InvalidRequestError,
  RequestTooLargeError,
  InsufficientScopeError,
  ConfigError,
  DiscoveryError,
  TokenExchangeError,
  type ErrorCode,
} from './errors.js';

// Building blocks of the gate, for custom edges
export { authenticateRequest, type GateContext } from './gate/authenticate.js';
export { extractBearerToken } from './gate/bearer.js';
export { buildChallenge, challengeResponse, challengeScopes, type ChallengeOptions } from './gate/challenge.js';
export { isEndpointPath, isEndpointRequest } from './gate/endpoint.js';
export { readJsonBody } from './gate/read-body.js';
export { resourceUri, publicOrigin, protectedResourceMetadataUrl, protectedResourceMetadataPaths } from './gate/resource.js';
export { toolScopesFor, toolStepUp, type ToolScopeDemand, type ToolStepUp } from './gate/tool-scopes.js';

// Front doors
export { handleRoutes, type RouteContext, type UpstreamView } from './documents/router.js';
export { protectedResourceMetadata, supportedScopes, authorizationServerFor, type ProtectedResourceMetadata } from './documents/protected-resource.js';
export { mirrorAuthorizationServerMetadata, REGISTRATION_PATH } from './documents/authorization-server.js';
export { corsHeaders, preflight, withCors, EXPOSED_HEADERS } from './http/cors.js';

// Registration
export { checkRedirectUri, type RedirectUriCheck, type RedirectUriOptions } from './registration/redirect-uri.js';
export { registerClient } from './registration/dcr-facade.js';

// Tokens and discovery
export * from './tokens/index.js';
export * from './discovery/index.js';

// On-behalf-of calls (RFC 8693 token exchange, Entra ID on-behalf-of)
export {
  createTokenExchange,
  tokenExchangeFromConfig,
  TOKEN_EXCHANGE_GRANT,
  type TokenExchange,
  type TokenExchangeOptions,
  type ExchangeRequest,
  type ExchangedToken,
  type SubjectToken,
} from './exchange/index.js';
