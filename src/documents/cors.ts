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
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(),
      'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', '),
      'Access-Control-Allow-Headers': mergeList(ALLOWED_HEADERS.join(', '), asked.join(', ')),
      'Access-Control-Max-Age': '86400',
      Allow: [...methods, 'OPTIONS'].join(', '),
    },
  });
}

/** `a, b` + `b, c` → `a, b, c`, case-insensitively. */
function mergeList(existing: string | null, added: string): string {
  const names = new Map<string, string>();
  for (const name of `${existing ?? ''},${added}`.split(',').map((n) => n.trim()).filter(Boolean)) {
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
  const origin = response.headers.get('access-control-allow-origin');
  const exposed = response.headers.get('access-control-expose-headers');
  const mergedExposed = mergeList(exposed, EXPOSED_HEADERS);
  if (origin !== null && mergedExposed === exposed) return response;

  const apply = (headers: Headers) => {
    if (origin === null) headers.set('Access-Control-Allow-Origin', '*');
    headers.set('Access-Control-Expose-Headers', mergedExposed);
  };
  try {
    apply(response.headers);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    apply(copy.headers);
    return copy;
  }
}
