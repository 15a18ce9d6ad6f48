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
  return baseAt(config.trustProxy ? originBehindProxy(request) : new URL(request.url).origin, '', config);
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
