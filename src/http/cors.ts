/**
 * CORS for everything a browser-based MCP client (MCP Inspector, web apps)
 * touches: discovery documents, their 404s, the DCR façade and the MCP
 * endpoint. Bearer tokens travel in a header, never in cookies, so `*` is safe
 * and no credentials are allowed.
 */

/** Response headers a browser client must be able to read on the MCP endpoint. */
export const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version';
/** {@link EXPOSED_HEADERS} as a list, for merging into a header another layer set. */
export const EXPOSED_HEADER_NAMES: readonly string[] = EXPOSED_HEADERS.split(', ');

/** Methods of the MCP Streamable HTTP transport, besides OPTIONS. */
const MCP_METHODS = ['GET', 'POST', 'DELETE'];

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
export function preflight(request: Request, methods: readonly string[]): Response {
  const asked = (request.headers.get('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h));
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(),
      'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', '),
      'Access-Control-Allow-Headers': mergeHeaderList(ALLOWED_HEADERS.join(', '), asked),
      'Access-Control-Max-Age': '86400',
      // The allowed headers echo the asked ones: a cache must not answer another question with this.
      Vary: 'Access-Control-Request-Headers',
      Allow: [...methods, 'OPTIONS'].join(', '),
    },
  });
}

/**
 * True for a CORS preflight: `OPTIONS` with `Access-Control-Request-Method`.
 *
 * @example
 * ```ts
 * if (isPreflight(request)) return mcpPreflight(request);
 * ```
 */
export function isPreflight(request: Request): boolean {
  return request.method === 'OPTIONS' && request.headers.has('access-control-request-method');
}

/**
 * The answer to a CORS preflight on the MCP endpoint: any origin, the
 * transport's methods and the asked headers, cached for a day.
 *
 * @example
 * ```ts
 * if (isPreflight(request)) return mcpPreflight(request);
 * ```
 */
export function mcpPreflight(request: Request): Response {
  return preflight(request, MCP_METHODS);
}

/**
 * Merges names into a comma-separated header list, case-insensitively,
 * keeping the first spelling: `a, b` + `[b, c]` → `a, b, c`.
 *
 * @example
 * ```ts
 * mergeHeaderList('Content-Type', ['content-type', 'X-Trace']); // 'Content-Type, X-Trace'
 * ```
 */
export function mergeHeaderList(existing: string | null | undefined, added: readonly string[]): string {
  const names = new Map<string, string>();
  for (const name of [...(existing ?? '').split(','), ...added].map((n) => n.trim()).filter(Boolean)) {
    if (!names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
  }
  return [...names.values()].join(', ');
}

/**
 * Adds CORS to a response of the MCP endpoint: `Access-Control-Allow-Origin: *`
 * unless the server set its own, and `WWW-Authenticate`, `Mcp-Session-Id` and
 * `MCP-Protocol-Version` merged into `Access-Control-Expose-Headers`. Copies
 * the response when its headers are immutable (e.g. a `Response` from `fetch`).
 *
 * @example
 * ```ts
 * return withCors(await next(request));
 * ```
 */
export function withCors(response: Response): Response {
  if (response.headers.has('access-control-allow-origin')) {
    const exposed = response.headers.get('access-control-expose-headers');
    if (mergeHeaderList(exposed, EXPOSED_HEADER_NAMES) === exposed) return response;
  }
  try {
    addCorsHeaders(response.headers);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    addCorsHeaders(copy.headers);
    return copy;
  }
}

/**
 * Adds the MCP endpoint's CORS to mutable headers in place: what
 * {@link withCors} does, for edges that build their own headers.
 *
 * @example
 * ```ts
 * addCorsHeaders(headers); // before res.writeHead(status, Object.fromEntries(headers))
 * ```
 */
export function addCorsHeaders(headers: Headers): Headers {
  if (!headers.has('access-control-allow-origin')) headers.set('Access-Control-Allow-Origin', '*');
  headers.set('Access-Control-Expose-Headers', mergeHeaderList(headers.get('access-control-expose-headers'), EXPOSED_HEADER_NAMES));
  return headers;
}
