/**
 * CORS for everything a browser-based MCP client (MCP Inspector, web apps)
 * touches: discovery documents, their 404s, the DCR façade and the MCP
 * endpoint. Bearer tokens travel in a header, never in cookies, so `*` is safe
 * and no credentials are allowed.
 */

/** Response headers a browser client must be able to read on the MCP endpoint. */
export const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version';

/** Request headers MCP clients send cross-origin. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'MCP-Protocol-Version', 'Mcp-Session-Id', 'Last-Event-ID'];

/**
 * The CORS headers of every Gatehouse response.
 *
 * @example
 * ```ts
 * new Response('{}', { headers: { ...corsHeaders(), 'Content-Type': 'application/json' } });
 * ```
 */
export function corsHeaders(): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': EXPOSED_HEADERS,
  };
}

/**
 * Answers a CORS preflight with 204. Headers the browser asks for are allowed
 * too, so an MCP server's own custom headers keep working.
 *
 * @example
 * ```ts
 * if (request.method === 'OPTIONS') return preflight(request, ['GET', 'HEAD']);
 * ```
 */
export function preflight(request: Request, methods: string[]): Response {
  const asked = (request.headers.get('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h));
  const allowed = new Map([...ALLOWED_HEADERS, ...asked].map((h) => [h.toLowerCase(), h]));
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(),
      'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', '),
      'Access-Control-Allow-Headers': [...allowed.values()].join(', '),
      'Access-Control-Max-Age': '86400',
      Allow: [...methods, 'OPTIONS'].join(', '),
    },
  });
}

/**
 * Adds CORS headers the response does not set itself, copying it when its
 * headers are immutable (e.g. a `Response` from `fetch`).
 *
 * @example
 * ```ts
 * return withCors(await next(request));
 * ```
 */
export function withCors(response: Response): Response {
  const missing = Object.entries(corsHeaders()).filter(([name]) => !response.headers.has(name));
  if (missing.length === 0) return response;
  try {
    for (const [name, value] of missing) response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    for (const [name, value] of missing) copy.headers.set(name, value);
    return copy;
  }
}
