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

/**
 * `http(s)://host[:port]` and a path the URL parser would leave as it is: no dot segments, escapes, backslashes,
 * whitespace or characters it would percent-encode. (`//` it keeps as it is too; `normalise` collapses it.)
 */
const SIMPLE_URL = /^https?:\/\/[A-Za-z0-9.\-:[\]]+(\/[A-Za-z0-9\-_~!$&'()*+,;=:@/]*)?(?:[?#]|$)/i;

/**
 * The pathname of an absolute URL, read from the string when it is plain
 * enough that the URL parser would change nothing, else parsed. Runs on
 * every request, and `new URL` costs more than the rest of the check.
 *
 * @example
 * ```ts
 * pathnameOf('https://mcp.example.com/mcp?x=1'); // '/mcp'
 * pathnameOf('https://mcp.example.com/a/../mcp'); // '/mcp' (parsed)
 * ```
 */
export function pathnameOf(url: string): string {
  const match = SIMPLE_URL.exec(url);
  return match ? (match[1] ?? '/') : new URL(url).pathname;
}

const endpoints = new WeakMap<GatehouseConfig, string>();

/** The endpoint's own path, normalised once per config. */
function endpointOf(config: GatehouseConfig): string {
  let endpoint = endpoints.get(config);
  if (endpoint === undefined) {
    endpoint = normalise(config.path).replace(/\/+$/, '');
    endpoints.set(config, endpoint);
  }
  return endpoint;
}

function normalise(pathname: string): string {
  // Nothing to decode or collapse: the common case, without the work.
  if (!pathname.includes('%') && !pathname.includes('//')) return pathname.toLowerCase();
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
  const endpoint = endpointOf(config);
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
  return isEndpointPath(pathnameOf(request.url), config);
}
