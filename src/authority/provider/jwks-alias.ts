import type { IncomingMessage } from 'node:http';
import { pathOf } from '../../http/node/request-path.js';

/**
 * `/.well-known/jwks.json`: where other MCP authorization servers publish
 * their keys, and so where some clients and scanners look. The authority's
 * `jwks_uri` stays under the route prefix; this alias sends the request to
 * that same endpoint, so both answer the same key set with the same CORS and
 * caching (one place decides them: the provider's JWKS route).
 */
export const JWKS_WELL_KNOWN_PATH = '/.well-known/jwks.json';

/**
 * Points a request for the well-known alias at the provider's JWKS route,
 * keeping its query; other requests are left alone.
 *
 * @example
 * ```ts
 * routeJwksAlias(req, '/oauth/jwks'); // req.url '/.well-known/jwks.json' → '/oauth/jwks'
 * ```
 */
export function routeJwksAlias(req: IncomingMessage, jwksRoute: string): void {
  if (pathOf(req) === JWKS_WELL_KNOWN_PATH) req.url = `${jwksRoute}${(req.url ?? '').slice(JWKS_WELL_KNOWN_PATH.length)}`;
}
