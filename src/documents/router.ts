import type { GatehouseConfig } from '../config/schema.js';
import { metadataUrls } from '../discovery/metadata-urls.js';
import type { AuthorizationServerMetadata } from '../discovery/types.js';
import { corsHeaders, mcpPreflight, preflight } from '../http/cors.js';
import { DOCUMENT_CACHE_CONTROL, jsonResponse, methodNotAllowed, notFound } from '../http/respond.js';
import { isEndpointPath } from '../gate/endpoint.js';
import { protectedResourceMetadataPaths, publicOrigin } from '../gate/resource.js';
import { registerClient } from '../registration/dcr-facade.js';
import { mirrorAuthorizationServerMetadata, REGISTRATION_PATH } from './authorization-server.js';
import { protectedResourceMetadata } from './protected-resource.js';

/**
 * Gatehouse's own routes: the front doors (PRM, the AS metadata mirror, the
 * OpenID alias), their CORS preflights and 404s, the DCR façade, and the MCP
 * endpoint's preflight. Other `/.well-known/` paths (ACME, security.txt...)
 * are left to the application.
 */

/** What the routes need from the upstream metadata (an `UpstreamMetadata`). */
export interface UpstreamView {
  readonly current: AuthorizationServerMetadata | undefined;
  /** The well-known URL the metadata came from. */
  readonly source?: string | undefined;
  load(): Promise<AuthorizationServerMetadata>;
}

export interface RouteContext {
  config: GatehouseConfig;
  upstream: UpstreamView;
}

const AS_WELL_KNOWN = '/.well-known/oauth-authorization-server';
const OIDC_WELL_KNOWN = '/.well-known/openid-configuration';
const DISCOVERY_PREFIXES = ['/.well-known/oauth-protected-resource', AS_WELL_KNOWN, OIDC_WELL_KNOWN];
const DOCUMENT_METHODS = ['GET', 'HEAD'];
/** Other authorization servers publish keys here; only the authority has keys of its own to serve (authority/provider/jwks-alias.ts). */
const JWKS_WELL_KNOWN = '/.well-known/jwks.json';

type Door = 'protected-resource' | 'authorization-server' | 'openid-alias' | 'missing';

/** The forms of a well-known URL a client may build from the origin or the MCP URL. */
function wellKnownForms(wellKnown: string, config: GatehouseConfig): string[] {
  const endpoint = config.path.replace(/\/+$/, '');
  return [wellKnown, `${wellKnown}${endpoint}`, `${endpoint}${wellKnown}`];
}

/** Which exact paths open which door; built once per config, since every request is routed. */
const doorTables = new WeakMap<GatehouseConfig, Map<string, Door>>();

function doorTable(config: GatehouseConfig): Map<string, Door> {
  let table = doorTables.get(config);
  if (!table) {
    table = new Map();
    if (config.openidAlias ?? config.mirrorMetadata) for (const path of wellKnownForms(OIDC_WELL_KNOWN, config)) table.set(path, 'openid-alias');
    if (config.mirrorMetadata) for (const path of wellKnownForms(AS_WELL_KNOWN, config)) table.set(path, 'authorization-server');
    for (const path of protectedResourceMetadataPaths(config)) table.set(path, 'protected-resource');
    doorTables.set(config, table);
  }
  return table;
}

/** In authority mode the authorization server answers its own metadata at the origin root. */
const AUTHORITY_DOCUMENTS = new Set([AS_WELL_KNOWN, OIDC_WELL_KNOWN]);

function doorFor(path: string, config: GatehouseConfig): Door | null {
  if (config.mode === 'authority' && AUTHORITY_DOCUMENTS.has(path)) return null;
  // A resource server's keys are the upstream's, not ours to serve: a 404 a browser client can read.
  if (path === JWKS_WELL_KNOWN) return config.mode === 'authority' ? null : 'missing';
  const door = doorTable(config).get(path);
  if (door) return door;
  if (!path.includes('/.well-known/')) return null;
  const isDiscovery =
    DISCOVERY_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) ||
    path.endsWith(AS_WELL_KNOWN) ||
    path.endsWith(OIDC_WELL_KNOWN);
  return isDiscovery ? 'missing' : null;
}

/** Documents that depend only on config may be cached; ones derived from proxy headers may not. */
function cacheControl(config: GatehouseConfig): string {
  return config.publicUrl ? DOCUMENT_CACHE_CONTROL : 'no-store';
}

/** Where the OpenID alias points: the mirror, or without it the upstream's own metadata. */
function aliasTarget(request: Request, context: RouteContext): string {
  if (context.config.mirrorMetadata) return `${publicOrigin(request, context.config)}${AS_WELL_KNOWN}`;
  return context.upstream.source ?? metadataUrls(context.config.issuer)[0]!;
}

async function serveDoor(door: Door, request: Request, context: RouteContext): Promise<Response> {
  const { config, upstream } = context;
  const head = request.method === 'HEAD';
  switch (door) {
    case 'protected-resource':
      return jsonResponse(protectedResourceMetadata(request, config, upstream.current?.issuer), { cacheControl: cacheControl(config), head });
    case 'authorization-server': {
      let metadata: AuthorizationServerMetadata;
      try {
        metadata = await upstream.load();
      } catch {
        return jsonResponse(
          { error: 'temporarily_unavailable', error_description: "The identity provider's metadata cannot be loaded right now" },
          { status: 503, headers: { 'Retry-After': '30' }, head },
        );
      }
      return jsonResponse(mirrorAuthorizationServerMetadata(metadata, request, config), { cacheControl: cacheControl(config), head });
    }
    case 'openid-alias':
      return new Response(null, {
        status: 308,
        headers: { ...corsHeaders(), Location: aliasTarget(request, context), 'Cache-Control': cacheControl(config) },
      });
    case 'missing':
      return notFound(new URL(request.url).pathname);
  }
}

async function serveRegistration(request: Request, config: GatehouseConfig): Promise<Response> {
  if (request.method === 'OPTIONS') return preflight(request, ['POST']);
  if (request.method !== 'POST') return methodNotAllowed(['POST']);
  return registerClient(request, config);
}

/**
 * True when `handleRoutes` answers some method on this path (OPTIONS aside):
 * lets adapters skip building a Web `Request` for every other path.
 *
 * @example
 * ```ts
 * if (servesPath(url.pathname, config)) return handleRoutes(toWebRequest(req), context);
 * ```
 */
export function servesPath(path: string, config: GatehouseConfig): boolean {
  return (path === REGISTRATION_PATH && config.registration.clientId !== undefined) || doorFor(path, config) !== null;
}

/**
 * Answers Gatehouse's own routes, or resolves to `null` for any other request.
 *
 * @example
 * ```ts
 * const response = await handleRoutes(request, { config, upstream });
 * if (response) return response;
 * ```
 */
export async function handleRoutes(request: Request, context: RouteContext): Promise<Response | null> {
  const { config } = context;
  const path = new URL(request.url).pathname;

  if (path === REGISTRATION_PATH && config.registration.clientId) return serveRegistration(request, config);

  const door = doorFor(path, config);
  if (door) {
    if (request.method === 'OPTIONS') return preflight(request, DOCUMENT_METHODS);
    if (!DOCUMENT_METHODS.includes(request.method)) return methodNotAllowed(DOCUMENT_METHODS);
    return serveDoor(door, request, context);
  }

  if (request.method === 'OPTIONS' && isEndpointPath(path, config)) return mcpPreflight(request);
  return null;
}
