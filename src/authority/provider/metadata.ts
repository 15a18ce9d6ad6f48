import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { resourceScopes } from './resource-indicators.js';

/**
 * The authority's discovery documents, at the origin root:
 * `/.well-known/oauth-authorization-server` (RFC 8414) and
 * `/.well-known/openid-configuration` (OpenID Connect Discovery), with the
 * same content. oidc-provider serves both from one action; this module
 * adjusts what MCP clients read and opens both to browsers.
 */

export const AUTHORIZATION_SERVER_METADATA_PATH = '/.well-known/oauth-authorization-server';
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
const METADATA_PATHS = new Set([AUTHORIZATION_SERVER_METADATA_PATH, OPENID_CONFIGURATION_PATH]);

/**
 * True for the two discovery documents the authority answers.
 *
 * @example
 * ```ts
 * isAuthorityMetadataPath('/.well-known/oauth-authorization-server'); // true
 * ```
 */
export function isAuthorityMetadataPath(path: string): boolean {
  return METADATA_PATHS.has(path);
}

/**
 * The changes made to oidc-provider's discovery document: the resource's
 * scopes first, then the OpenID ones, never `offline_access` (MCP
 * 2026-07-28: refresh tokens come with the `refresh_token` grant), and the
 * RFC 8414/9207/8707 fields MCP clients check, stated explicitly.
 *
 * @example
 * ```ts
 * ctx.body = { ...ctx.body, ...metadataOverrides(config, ctx.body.scopes_supported) };
 * ```
 */
export function metadataOverrides(config: GatehouseConfig, providerScopes: unknown): Record<string, unknown> {
  const openidScopes = Array.isArray(providerScopes) ? providerScopes.filter((s): s is string => typeof s === 'string') : ['openid'];
  const scopes = new Set([...resourceScopes(config), ...openidScopes]);
  scopes.delete('offline_access');
  return {
    scopes_supported: [...scopes],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    // RFC 8707 resource indicators are supported (provider/resource-indicators.ts); say so for clients that probe.
    resource_parameter_supported: true,
  };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * Installs the discovery adjustments on the provider: overrides in the
 * body, `Access-Control-Allow-Origin: *` on the documents and their
 * preflights (they hold nothing private), and a short public cache. Call
 * before the provider's `callback()` is taken.
 *
 * @example
 * ```ts
 * installMetadata(provider, config);
 * server.on('request', provider.callback());
 * ```
 */
export function installMetadata(provider: Provider, config: GatehouseConfig): void {
  provider.use(async function adjustDiscovery(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    if (!METADATA_PATHS.has(ctx.path)) return next();
    await next();
    if (ctx.status === 200 && isJsonObject(ctx.body)) {
      ctx.body = { ...ctx.body, ...metadataOverrides(config, ctx.body.scopes_supported) };
      ctx.set('cache-control', 'public, max-age=300');
    }
    ctx.set('access-control-allow-origin', '*');
  });
}
