import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Which headers cross the proxy. A reverse proxy is a new hop: hop-by-hop
 * headers (RFC 9110 §7.6.1) stay behind, and so does everything that belongs
 * to Gatehouse rather than to the MCP server: the client's token, the
 * authority's cookies, and any identity header a client tried to set itself.
 */

/** Hop-by-hop headers, never forwarded in either direction. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** The prefix of every header Gatehouse sets for the upstream; a client's own are dropped. */
const IDENTITY_HEADER_PREFIX = 'x-gatehouse-';

/** The identity headers the upstream receives. */
export const IDENTITY_HEADERS = {
  assertion: 'x-gatehouse-assertion',
  subject: 'x-gatehouse-subject',
  clientId: 'x-gatehouse-client-id',
  scopes: 'x-gatehouse-scopes',
} as const;

/**
 * Cookies of Gatehouse's authority (`gatehouse.session`, `.interaction`,
 * `.resume` and their `.sig`; `__Host-`/`__Secure-` forms too), whatever
 * their case: they stay on this side. Browsers match cookie prefixes
 * case-insensitively, so `__HOST-GateHouse.session` is one of them too.
 */
const AUTHORITY_COOKIE = /^(?:__host-|__secure-)?gatehouse(?:[._-]|$)/i;

/**
 * Whether a cookie name is one of the authority's.
 *
 * @example
 * ```ts
 * isAuthorityCookie('__Host-gatehouse.session'); // true
 * isAuthorityCookie('theme'); // false
 * ```
 */
export function isAuthorityCookie(name: string): boolean {
  return AUTHORITY_COOKIE.test(name.trim());
}

/** The name of a `name=value` pair, or of a `Set-Cookie` value (what comes before the first `=`). */
export function cookieName(pair: string): string {
  const at = pair.indexOf('=');
  return at === -1 ? pair : pair.slice(0, at);
}

/** Request headers the proxy sets itself. */
const REPLACED_ON_REQUEST = new Set(['host', 'authorization', 'content-length', 'expect', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']);

/**
 * Response headers that speak for the upstream's own concerns, not the
 * client's: its CORS (the gate's applies on this origin) and its challenges
 * (its authorization is not the client's business; Gatehouse's is).
 */
function droppedFromResponse(name: string): boolean {
  return name.startsWith('access-control-') || name === 'www-authenticate';
}

const NO_TOKENS: ReadonlySet<string> = new Set();

/**
 * Whether a request header (lower-case name) goes on to the upstream as the
 * client sent it. `Cookie` does, less the authority's cookies; `dropped` are
 * the names the request's `Connection` header lists.
 */
export function crossesOnRequest(name: string, dropped: ReadonlySet<string>): boolean {
  return !HOP_BY_HOP.has(name) && !REPLACED_ON_REQUEST.has(name) && !name.startsWith(IDENTITY_HEADER_PREFIX) && (dropped.size === 0 || !dropped.has(name));
}

/** Whether a response header (lower-case name) goes on to the client; `Set-Cookie` does, less the authority's cookies. */
export function crossesOnResponse(name: string, dropped: ReadonlySet<string>): boolean {
  return !HOP_BY_HOP.has(name) && !droppedFromResponse(name) && (dropped.size === 0 || !dropped.has(name));
}

/** Headers named in `Connection` are hop-by-hop too. */
export function connectionTokens(value: string | string[] | undefined): ReadonlySet<string> {
  // Most requests name none (or only keep-alive): no set, no split, per request.
  if (value === undefined || value === '' || value === 'keep-alive' || value === 'close') return NO_TOKENS;
  const list = Array.isArray(value) ? value.join(',') : value;
  return new Set(list.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

/**
 * The `Cookie` header without the authority's cookies, or `undefined` when
 * nothing is left.
 *
 * @example
 * ```ts
 * withoutAuthorityCookies('gatehouse.session=abc; theme=dark'); // 'theme=dark'
 * ```
 */
export function withoutAuthorityCookies(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  const kept = cookie
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && !isAuthorityCookie(cookieName(pair)));
  return kept.length > 0 ? kept.join('; ') : undefined;
}

/** What the upstream is told about the connection the request came in on. */
export interface ForwardedFor {
  /** The client's address, sent as `X-Forwarded-For`. */
  clientAddress?: string;
  /** The scheme clients use, `http` or `https`. */
  proto: string;
  /** The host (and port) clients use, e.g. `mcp.example.com`. */
  host: string;
}

/**
 * The headers of the request to the upstream: the client's, less hop-by-hop
 * headers, `Authorization`, the authority's cookies and any `X-Gatehouse-*`
 * header the client sent, plus the upstream's `Host` and `X-Forwarded-*`.
 * Identity headers are added by the caller.
 *
 * @example
 * ```ts
 * const headers = upstreamRequestHeaders(req.headers, 'upstream:8080', { proto: 'https', host: 'mcp.example.com' });
 * ```
 */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, upstreamHost: string, forwarded: ForwardedFor): OutgoingHttpHeaders {
  const dropped = connectionTokens(incoming.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [raw, value] of Object.entries(incoming)) {
    // Node lowercases the names it parses; headers built by hand may not be.
    const name = raw.toLowerCase();
    if (value === undefined || !crossesOnRequest(name, dropped)) continue;
    if (name === 'cookie') {
      const cookie = withoutAuthorityCookies(Array.isArray(value) ? value.join('; ') : value);
      if (cookie) out.cookie = cookie;
      continue;
    }
    out[name] = value;
  }
  out.host = upstreamHost;
  out['x-forwarded-proto'] = forwarded.proto;
  out['x-forwarded-host'] = forwarded.host;
  if (forwarded.clientAddress) out['x-forwarded-for'] = forwarded.clientAddress;
  return out;
}

/**
 * The headers of the upstream's response as the client gets them: less
 * hop-by-hop headers, the upstream's CORS headers, its `WWW-Authenticate`,
 * and any `Set-Cookie` of a cookie named like the authority's (the upstream
 * must not plant or overwrite Gatehouse's sign-in session on this origin).
 *
 * @example
 * ```ts
 * res.writeHead(upstream.statusCode, clientResponseHeaders(upstream.headers));
 * ```
 */
export function clientResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const dropped = connectionTokens(incoming.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [raw, value] of Object.entries(incoming)) {
    const name = raw.toLowerCase();
    if (value === undefined || !crossesOnResponse(name, dropped)) continue;
    if (name === 'set-cookie') {
      const kept = (Array.isArray(value) ? value : [value]).filter((cookie) => !isAuthorityCookie(cookieName(cookie)));
      if (kept.length > 0) out[name] = kept;
      continue;
    }
    out[name] = value;
  }
  return out;
}

/**
 * A header value as-is when it is printable ASCII, else `undefined` (the
 * signed assertion still carries it): a subject with a line break or
 * non-ASCII characters must not become a malformed or smuggled header.
 *
 * @example
 * ```ts
 * plainHeaderValue('alice'); // 'alice'
 * plainHeaderValue('a\r\nx-evil: 1'); // undefined
 * ```
 */
export function plainHeaderValue(value: string): string | undefined {
  return /^[\x20-\x7e]*$/.test(value) ? value : undefined;
}
