import type { GatehouseConfig } from '../config/schema.js';
import { challengeScopes } from '../gate/challenge.js';
import { publicOrigin, resourceUri } from '../gate/resource.js';

/** Protected-resource metadata (RFC 9728 §2). */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_name: string;
  resource_documentation?: string;
  [field: string]: unknown;
}

/**
 * The scopes advertised in `scopes_supported`: `scopes.supported` when set,
 * else the required scopes and every tool's, resource pattern's and
 * prompt's scopes. Clients that get no
 * `scope` in a challenge ask for all of these, so the set stays minimal, and
 * never has `offline_access` (MCP 2026-07-28).
 *
 * @example
 * ```ts
 * supportedScopes(resolveConfig({ ..., scopes: { required: ['mcp'], tools: { rm: ['files:write'] } } })); // ['mcp', 'files:write']
 * ```
 */
export function supportedScopes(config: GatehouseConfig): string[] {
  const { supported, required, tools, resources, prompts } = config.scopes;
  return challengeScopes(supported ?? [...required, ...[tools, resources, prompts].flatMap((table) => Object.values(table).flat())]);
}

/**
 * The authorization server clients are sent to.
 *
 * Without the mirror it is the upstream issuer, spelt exactly as its metadata
 * spells it (clients compare the two, trailing slash included).
 *
 * With the mirror it is this server's origin. Clients build the metadata URL
 * from the `authorization_servers` entry and, since MCP 2026-07-28, MUST
 * reject metadata whose `issuer` differs from it; so listing the upstream
 * would send them to the unpatched upstream document, and listing our origin
 * requires the mirror to say `issuer: <our origin>`, which it does. The
 * origin has no path on purpose: clients (Claude among them) handle a
 * path-less issuer best. Tokens are still verified against the upstream's
 * real issuer — clients never compare a token's `iss`, only the gate does.
 *
 * @example
 * ```ts
 * authorizationServerFor(request, config, upstream.current?.issuer); // ['https://idp.example.com/realms/main']
 * ```
 */
export function authorizationServerFor(request: Request, config: GatehouseConfig, upstreamIssuer: string | undefined): string {
  if (config.mirrorMetadata) return publicOrigin(request, config);
  return upstreamIssuer ?? config.issuer;
}

/**
 * Builds the protected-resource metadata for the endpoint.
 *
 * @example
 * ```ts
 * protectedResourceMetadata(request, config, upstream.current?.issuer);
 * // { resource: 'https://mcp.example.com/mcp', authorization_servers: ['https://idp.example.com'], bearer_methods_supported: ['header'], ... }
 * ```
 */
export function protectedResourceMetadata(request: Request, config: GatehouseConfig, upstreamIssuer?: string): ProtectedResourceMetadata {
  const scopes = supportedScopes(config);
  return {
    resource: resourceUri(request, config),
    authorization_servers: [authorizationServerFor(request, config, upstreamIssuer)],
    ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
    bearer_methods_supported: ['header'],
    resource_name: config.resourceName,
    ...(config.resourceDocumentation ? { resource_documentation: config.resourceDocumentation } : {}),
  };
}
