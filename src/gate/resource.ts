import type { GatehouseConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { GateRequest } from '../types.js';

/**
 * Where clients reach the protected endpoint, and so what the documents say
 * and which audience a token must carry.
 *
 * Always `publicUrl`: the request's own `Host` and `X-Forwarded-*` headers
 * are never read, not even with `trustProxy` (which only says whose client
 * address to believe). A header that changed the resource URI would change
 * the audience a token must carry, so a token minted for another server
 * would be accepted, and a cached document could be poisoned.
 */

const PRM_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** Where the endpoint is published: with `publicUrl`, the same on every request, so worked out once per config. */
interface PublicBase {
  /** `https://mcp.example.com`: scheme, host and port. */
  readonly origin: string;
  /** The resource URI: origin, base path of `publicUrl`, endpoint path, no trailing slash. */
  readonly resource: string;
  /** The path-inserted protected-resource metadata URL of that resource. */
  readonly metadata: string;
}

const fixedBases = new WeakMap<GatehouseConfig, PublicBase>();

function baseAt(origin: string, basePath: string, config: GatehouseConfig): PublicBase {
  const path = `${basePath}${config.path}`.replace(/\/+$/, '');
  return { origin, resource: `${origin}${path}`, metadata: `${origin}${PRM_WELL_KNOWN}${path}` };
}

function baseFromPublicUrl(config: GatehouseConfig, publicUrl: string): PublicBase {
  let base = fixedBases.get(config);
  if (!base) {
    const url = new URL(publicUrl);
    base = baseAt(url.origin, url.pathname.replace(/\/+$/, ''), config);
    fixedBases.set(config, base);
  }
  return base;
}

function publicBase(_request: GateRequest, config: GatehouseConfig): PublicBase {
  // resolveConfig never lets one through without it; a hand-made config fails here rather than trust the Host.
  if (!config.publicUrl) throw new ConfigError('Invalid Gatehouse config:\n  - publicUrl (PUBLIC_URL) is required: set it to the URL clients use to reach this server');
  return baseFromPublicUrl(config, config.publicUrl);
}

/**
 * The resource URI and its metadata URL together: one look at the request
 * (its URL parsed, forwarded headers read) instead of one per value.
 *
 * @example
 * ```ts
 * const { resource, metadata } = resourceUrls(request, config);
 * // 'https://mcp.example.com/mcp', 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'
 * ```
 */
export function resourceUrls(request: GateRequest, config: GatehouseConfig): { readonly resource: string; readonly metadata: string } {
  return publicBase(request, config);
}

/**
 * The public origin clients use (`https://mcp.example.com`), no trailing slash.
 *
 * @example
 * ```ts
 * publicOrigin(request, config); // 'https://mcp.example.com'
 * ```
 */
export function publicOrigin(request: GateRequest, config: GatehouseConfig): string {
  return publicBase(request, config).origin;
}

/**
 * The canonical resource URI of the protected endpoint (RFC 8707): the public
 * URL plus the endpoint path, without trailing slash.
 *
 * @example
 * ```ts
 * resourceUri(request, resolveConfig({ issuer, publicUrl: 'https://mcp.example.com/' }));
 * // 'https://mcp.example.com/mcp'
 * ```
 */
export function resourceUri(request: GateRequest, config: GatehouseConfig): string {
  return publicBase(request, config).resource;
}

/**
 * The absolute URL of the protected-resource metadata (RFC 9728 §3.1, path
 * inserted after `/.well-known/oauth-protected-resource`), as sent in
 * `resource_metadata` of every challenge.
 *
 * @example
 * ```ts
 * protectedResourceMetadataUrl(request, config);
 * // 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'
 * ```
 */
export function protectedResourceMetadataUrl(request: GateRequest, config: GatehouseConfig): string {
  return publicBase(request, config).metadata;
}

/**
 * The local paths at which protected-resource metadata is served: the root
 * one, the path-inserted one, and (when `publicUrl` has a path a proxy may
 * keep) the path-inserted one with that base path.
 *
 * @example
 * ```ts
 * protectedResourceMetadataPaths(config); // ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']
 * ```
 */
export function protectedResourceMetadataPaths(config: GatehouseConfig): string[] {
  const endpoint = config.path.replace(/\/+$/, '');
  const paths = new Set([PRM_WELL_KNOWN, `${PRM_WELL_KNOWN}${endpoint}`]);
  if (config.publicUrl) {
    const basePath = new URL(config.publicUrl).pathname.replace(/\/+$/, '');
    paths.add(`${PRM_WELL_KNOWN}${basePath}${endpoint}`);
  }
  return [...paths];
}
