import type { GatehouseConfig } from '../config/schema.js';
import type { GateRequest } from '../types.js';

/**
 * Where clients reach the protected endpoint, and so what the documents say
 * and which audience a token must carry.
 *
 * With `publicUrl` set, the request's own `Host` and `X-Forwarded-*` headers
 * are ignored: a forged header must never change the resource URI, or a
 * token minted for another server (or a poisoned cached document) would be
 * accepted. Headers are read only when `trustProxy` says a proxy we trust
 * wrote them.
 */

const PRM_WELL_KNOWN = '/.well-known/oauth-protected-resource';
/** A host, optionally with a port: a name, IPv4 or bracketed IPv6. Nothing that could smuggle a path. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

interface PublicBase {
  /** `https://mcp.example.com`: scheme, host and port. */
  origin: string;
  /** The path of `publicUrl`, without trailing slash (usually empty). */
  basePath: string;
  /** With `publicUrl`, the same on every request: the resource URI and metadata URL, worked out once. */
  resource?: string;
  metadata?: string;
}

const fixedBases = new WeakMap<GatehouseConfig, PublicBase>();

function baseFromPublicUrl(config: GatehouseConfig, publicUrl: string): PublicBase {
  let base = fixedBases.get(config);
  if (!base) {
    const url = new URL(publicUrl);
    base = { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
    base.resource = `${base.origin}${resourcePath(base, config)}`;
    base.metadata = `${base.origin}${PRM_WELL_KNOWN}${resourcePath(base, config)}`;
    fixedBases.set(config, base);
  }
  return base;
}

function firstListValue(value: string | null): string | undefined {
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}

/** The first element of an RFC 7239 `Forwarded` header, as lower-cased keys. */
function parseForwarded(value: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  const first = value?.split(',')[0];
  if (!first) return out;
  for (const pair of first.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim().toLowerCase();
    out[key] = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return out;
}

function originBehindProxy(request: GateRequest): string {
  const url = new URL(request.url);
  const forwarded = parseForwarded(request.headers.get('forwarded'));
  const proto = (firstListValue(request.headers.get('x-forwarded-proto')) ?? forwarded.proto ?? url.protocol.slice(0, -1)).toLowerCase();
  const host = firstListValue(request.headers.get('x-forwarded-host')) ?? forwarded.host ?? url.host;
  if ((proto !== 'http' && proto !== 'https') || !HOST.test(host)) return url.origin;
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return url.origin;
  }
}

function publicBase(request: GateRequest, config: GatehouseConfig): PublicBase {
  if (config.publicUrl) return baseFromPublicUrl(config, config.publicUrl);
  if (config.trustProxy) return { origin: originBehindProxy(request), basePath: '' };
  return { origin: new URL(request.url).origin, basePath: '' };
}

/** The path of the resource on the public origin: base path + endpoint path, no trailing slash. */
function resourcePath(base: PublicBase, config: GatehouseConfig): string {
  return `${base.basePath}${config.path}`.replace(/\/+$/, '');
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
  const base = publicBase(request, config);
  return base.resource ?? `${base.origin}${resourcePath(base, config)}`;
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
  const base = publicBase(request, config);
  return base.metadata ?? `${base.origin}${PRM_WELL_KNOWN}${resourcePath(base, config)}`;
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
