/**
 * CORS for the MCP endpoint. Browser-based clients (MCP Inspector, web
 * connectors) must be able to read `WWW-Authenticate` to find the
 * protected-resource metadata, and the session and protocol headers to keep
 * talking. Tokens travel in `Authorization`, never in cookies, so `*` is safe.
 */

/** Response headers a browser client of the MCP endpoint needs to read. */
export const MCP_EXPOSED_HEADERS = ['WWW-Authenticate', 'Mcp-Session-Id', 'MCP-Protocol-Version'];

/** Request headers a browser client of the MCP endpoint sends. */
export const MCP_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'Mcp-Session-Id', 'MCP-Protocol-Version', 'Last-Event-ID'];

/** Methods of the Streamable HTTP transport. */
export const MCP_ALLOWED_METHODS = ['GET', 'POST', 'DELETE', 'OPTIONS'];

/** Merges two comma-separated header lists, case-insensitively, keeping the first spelling. */
export function mergeHeaderList(existing: string | null | undefined, add: readonly string[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const item of [...(existing ?? '').split(','), ...add]) {
    const name = item.trim();
    if (!name || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    out.push(name);
  }
  return out.join(', ');
}

/**
 * Adds `Access-Control-Allow-Origin: *` (unless already set) and exposes the
 * MCP headers on a set of response headers.
 *
 * @example
 * ```ts
 * const headers = new Headers(response.headers);
 * addMcpCorsHeaders(headers);
 * ```
 */
export function addMcpCorsHeaders(headers: Headers): Headers {
  if (!headers.has('access-control-allow-origin')) headers.set('access-control-allow-origin', '*');
  headers.set('access-control-expose-headers', mergeHeaderList(headers.get('access-control-expose-headers'), MCP_EXPOSED_HEADERS));
  return headers;
}

/**
 * The same response with the MCP CORS headers added. Responses whose headers
 * are immutable (from `fetch`, `Response.redirect`) are copied first.
 *
 * @example
 * ```ts
 * return withMcpCors(await transport.handleRequest(request));
 * ```
 */
export function withMcpCors(response: Response): Response {
  try {
    addMcpCorsHeaders(response.headers);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    addMcpCorsHeaders(copy.headers);
    return copy;
  }
}

/** True for a CORS preflight: `OPTIONS` with `Access-Control-Request-Method`. */
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
  const requested = (request.headers.get('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h));
  const headers = new Headers({
    'access-control-allow-methods': MCP_ALLOWED_METHODS.join(', '),
    'access-control-allow-headers': mergeHeaderList(MCP_ALLOWED_HEADERS.join(','), requested),
    'access-control-max-age': '86400',
    vary: 'Origin, Access-Control-Request-Headers',
  });
  addMcpCorsHeaders(headers);
  return new Response(null, { status: 204, headers });
}
