import { errors, type AsymmetricSigningAlgorithm, type Configuration, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { supportedScopes } from '../../documents/protected-resource.js';
import { machineClients, machineTokenScopes } from '../registration/machine-clients.js';

/**
 * RFC 8707 for the authority: the MCP endpoint is the one resource server it
 * issues tokens for. Tokens are RFC 9068 JWTs whose `aud` is the resource the
 * user consented to; any other `resource` is `invalid_target`.
 */

/**
 * The scope the resource carries when the config names none, so a token can
 * still be issued (oidc-provider refuses an authorization that grants no scope).
 */
export const FALLBACK_SCOPE = 'mcp';

/**
 * The canonical URI of the protected MCP endpoint: `publicUrl` + `path`, with
 * no trailing slash (MCP 2025-06-18).
 *
 * @example
 * ```ts
 * mcpResourceUri(resolveConfig({ publicUrl: 'http://localhost:3000/' })); // 'http://localhost:3000/mcp'
 * ```
 */
export function mcpResourceUri(config: GatehouseConfig): string {
  const base = new URL(config.publicUrl ?? config.issuer);
  const basePath = base.pathname.replace(/\/+$/, '');
  const path = config.path.replace(/\/+$/, '');
  return `${base.origin}${basePath}${path}`;
}

/**
 * The scopes of the MCP resource: what protected-resource metadata
 * advertises (never `offline_access`), or {@link FALLBACK_SCOPE} when that is empty.
 *
 * @example
 * ```ts
 * resourceScopes(resolveConfig({ publicUrl, scopes: { required: ['mcp:tools'] } })); // ['mcp:tools']
 * ```
 */
export function resourceScopes(config: GatehouseConfig): string[] {
  const scopes = supportedScopes(config);
  return scopes.length > 0 ? scopes : [FALLBACK_SCOPE];
}

/**
 * The scopes granted when an authorization request names none: the required
 * scopes, else every scope of the resource.
 *
 * @example
 * ```ts
 * defaultScopes(config).join(' '); // 'mcp:tools'
 * ```
 */
export function defaultScopes(config: GatehouseConfig): string[] {
  const required = config.scopes.required.filter((scope) => scope !== 'offline_access');
  return required.length > 0 ? required : resourceScopes(config);
}

/**
 * The MCP resource as oidc-provider issues tokens for it: RFC 9068 JWTs for
 * its URI, with its scopes and the configured lifetime.
 *
 * @example
 * ```ts
 * const token = new provider.AccessToken({ accountId, client, grantId, scope, resourceServer: mcpResourceServer(config, 'RS256') });
 * ```
 */
export function mcpResourceServer(config: GatehouseConfig, signingAlg: AsymmetricSigningAlgorithm): ResourceServer {
  return {
    audience: mcpResourceUri(config),
    scope: resourceScopes(config).join(' '),
    accessTokenTTL: config.authority.accessTokenTtlSec,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: signingAlg } },
  };
}

/** The scopes of `requested` an account may be granted (restricted scopes need an entitlement). */
export type GrantableScopes = (accountId: string, requested: readonly string[]) => Promise<string[]>;

/**
 * The user a resource is described for: the one redeeming a code or refresh
 * token at the token endpoint, or the one signed in at authorization (none
 * before the sign-in).
 */
function accountIdOf(ctx: KoaContextWithOIDC): string | undefined {
  const entities = ctx.oidc.entities as Record<string, { accountId?: unknown } | undefined>;
  for (const kind of ['Account', 'Grant', 'AuthorizationCode', 'RefreshToken']) {
    const accountId = entities[kind]?.accountId;
    if (typeof accountId === 'string') return accountId;
  }
  if (ctx.oidc.route !== 'authorization' && ctx.oidc.route !== 'resume') return undefined;
  const accountId = ctx.oidc.session?.accountId;
  return typeof accountId === 'string' ? accountId : undefined;
}

/**
 * The `features.resourceIndicators` fragment of the provider configuration.
 * With `grantable`, the resource offers each user only the scopes they may
 * be granted: a request for more is narrowed at consent (the rest is never
 * "missing", so never asked) and at every token the user's code or refresh
 * token redeems, so an entitlement taken away counts at the next refresh.
 *
 * @example
 * ```ts
 * const features = { resourceIndicators: resourceIndicatorsFeature(config, 'ES256', accounts.grantableScopes) };
 * ```
 */
export function resourceIndicatorsFeature(
  config: GatehouseConfig,
  signingAlg: AsymmetricSigningAlgorithm,
  grantable?: GrantableScopes,
): NonNullable<NonNullable<Configuration['features']>['resourceIndicators']> {
  const resource = mcpResourceUri(config);
  const machines = machineClients(config);
  const info = mcpResourceServer(config, signingAlg);
  return {
    enabled: true,
    // Clients that send no `resource` (older MCP revisions) still get a token for the MCP server.
    defaultResource: function defaultToMcpResource() {
      return resource;
    },
    // The token endpoint issues for the resource granted at authorization, not a new one.
    useGrantedResource: function alwaysUseGrantedResource() {
      return true;
    },
    getResourceServerInfo: async function describeMcpResource(ctx, indicator) {
      if (indicator !== resource) {
        throw new errors.InvalidTarget(`this authorization server issues tokens only for ${resource}`);
      }
      // A token without a user carries only what the operator configured for its client.
      if (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials') {
        return { ...info, scope: machineTokenScopes(ctx, machines, resourceScopes(config)).join(' ') };
      }
      const accountId = grantable ? accountIdOf(ctx) : undefined;
      if (!grantable || accountId === undefined) return info;
      return { ...info, scope: (await grantable(accountId, resourceScopes(config))).join(' ') };
    },
  };
}
