/**
 * mcp-gatehouse/authority: Gatehouse's own OAuth 2.1 authorization server
 * for MCP, on `oidc-provider`, mounted beside the gate on one origin. Needs
 * Node (oidc-provider is Koa-based).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createAuthority } from 'mcp-gatehouse/authority';
 * import { createMcpHandler } from 'mcp-gatehouse/mcp';
 * import type { GatedIncomingMessage } from 'mcp-gatehouse/node';
 *
 * const authority = await createAuthority({ publicUrl: 'http://localhost:3000', scopes: { required: ['mcp:tools'] } });
 * const mcp = createMcpHandler(() => buildMyMcpServer());
 * createServer((req: GatedIncomingMessage, res) =>
 *   authority.handler(req, res, () => {
 *     if (req.auth) return void mcp.node(req, res); // passed the gate
 *     res.writeHead(404).end(); // nobody's route
 *   }),
 * ).listen(3000);
 * ```
 *
 * @packageDocumentation
 */

// The authority
export { createAuthority, type Authority, type AuthorityOptions } from './create-authority.js';
export { checkGuardRails, printWarnings, type GuardRailOptions } from './guard-rails.js';

// Building blocks, for mounting oidc-provider yourself
export { buildProviderConfiguration, type ProviderParts } from './provider/provider-config.js';
export { authorityRoutes } from './provider/routes.js';
// The one merge of layered settings, under the name this entry point has always given it.
export { mergeLayers as mergeConfigurations } from '../config/merge.js';
export { mcpResourceUri, resourceScopes, defaultScopes, resourceIndicatorsFeature, FALLBACK_SCOPE } from './provider/resource-indicators.js';
export { refreshTokenPolicy, refreshGraceAdapter, withRefreshGrace } from './provider/refresh-tokens.js';
export { installDefaultScope, withDefaultScope } from './provider/default-scope.js';
export { installMetadata, metadataOverrides, isAuthorityMetadataPath, AUTHORIZATION_SERVER_METADATA_PATH, OPENID_CONFIGURATION_PATH } from './provider/metadata.js';
export { installRegistrationCors } from './registration/cors.js';
export { requireLiveGrant, grantIdClaim, GRANT_CLAIM } from './live-grants.js';
export { renderError, escapeHtml } from './provider/render-error.js';
export { installTokenExchange, decideExchange, tokenExchangeConfigProblems } from './token-exchange/index.js';

// The parts
export { loadOrCreateKeys, rotateKeys, listKeys, loadOrCreateSecret, createLocalKeySource, type AuthorityKeys, type KeyInfo } from './keys/index.js';
export { createStore, createFileStore, createMemoryStore, type StoreFactory, type StoreOptions } from './stores/index.js';
export { createLocalAccounts, hashPassword, readUsersFile, writeUsersFile, type LocalAccounts, type LocalUser } from './identity/index.js';
export { registrationConfiguration, installRegistrationRules, dcrPolicy, type DcrPolicy, type FetchHook } from './registration/index.js';
export { interactionsConfiguration, createInteractionHandler, type InteractionHandler } from './interactions/index.js';
