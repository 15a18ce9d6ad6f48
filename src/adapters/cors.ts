/**
 * CORS for the MCP endpoint, in the names the adapters use. The rules live in
 * the core (documents/cors.ts), so an adapter answers exactly what
 * `gatehouse.fetch` answers. Tokens travel in `Authorization`, never in
 * cookies, so `*` is safe.
 */
import { addCorsHeaders, EXPOSED_HEADERS, preflight, withCors } from '../documents/cors.js';

export { mergeHeaderList } from '../documents/cors.js';

/** Response headers a browser client of the MCP endpoint needs to read. */
export const MCP_EXPOSED_HEADERS: readonly string[] = EXPOSED_HEADERS.split(', ');

/** Methods of the Streamable HTTP transport, besides OPTIONS. */
const MCP_METHODS = ['GET', 'POST', 'DELETE'];

/**
 * Adds `Access-Control-Allow-Origin: *` (unless already set) and exposes the
 * MCP headers on a set of response headers.
 *
 * @example
 * ```ts
 * addMcpCorsHeaders(headers);
 * ```
 */
export const addMcpCorsHeaders: (headers: Headers) => Headers = addCorsHeaders;

/**
 * The same response with the MCP CORS headers added (copied first when its
 * headers are immutable).
 *
 * @example
 * ```ts
 * return withMcpCors(await transport.handleRequest(request));
 * ```
 */
export const withMcpCors: (response: Response) => Response = withCors;

/**
 * True for a CORS preflight: `OPTIONS` with `Access-Control-Request-Method`.
 *
 * @example
 * ```ts
 * if (isPreflight(request)) return mcpPreflightResponse(request);
 * ```
 */
export function isPreflight(request: Request): boolean {
  return request.method === 'OPTIONS' && request.headers.has('access-control-request-method');
}

/**
 * The answer to a CORS preflight on the MCP endpoint: any origin, the
 * transport's methods and headers, cached for a day.
 *
 * @example
 * ```ts
 * if (isPreflight(request)) return mcpPreflightResponse(request);
 * ```
 */
export function mcpPreflightResponse(request: Request): Response {
  return preflight(request, MCP_METHODS);
}
