import type { GatehouseConfig } from '../config/schema.js';
import type { GateRequest } from '../types.js';

/**
 * Whether a path belongs to the protected endpoint.
 *
 * Matching errs on the side of protecting: frameworks route `/MCP` (Express
 * is case-insensitive by default), `/mcp/`, `//mcp` or `/%6Dcp` to the same
 * handler, so all of those are gated too. Gating a path that would have been
 * a 404 costs nothing; letting a spelling of the endpoint through unchecked
 * would be a hole.
 */

function normalise(pathname: string): string {
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    // Malformed escapes stay as they are; the comparison is then on the raw path.
  }
  return path.replace(/\/{2,}/g, '/').toLowerCase();
}

/**
 * True when `pathname` is the endpoint's path or below it.
 *
 * @example
 * ```ts
 * isEndpointPath('/mcp/', config);    // true for path '/mcp'
 * isEndpointPath('/mcpx', config);    // false
 * ```
 */
export function isEndpointPath(pathname: string, config: GatehouseConfig): boolean {
  const endpoint = normalise(config.path).replace(/\/+$/, '');
  if (endpoint === '') return true;
  const path = normalise(pathname);
  return path === endpoint || path.startsWith(`${endpoint}/`);
}

/**
 * True when the request targets the protected endpoint.
 *
 * @example
 * ```ts
 * if (isEndpointRequest(request, config)) return gate.authenticate(request);
 * ```
 */
export function isEndpointRequest(request: GateRequest, config: GatehouseConfig): boolean {
  return isEndpointPath(new URL(request.url).pathname, config);
}
