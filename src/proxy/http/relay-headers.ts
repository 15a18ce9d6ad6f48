import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { connectionTokens, cookieName, crossesOnRequest, crossesOnResponse, isAuthorityCookie, withoutAuthorityCookies, type ForwardedFor } from './headers.js';

/**
 * The header work of each proxied request, done in flat `name, value, ...`
 * lists: what the upstream request carries (undici takes such a list as is)
 * and what the client's response gets. The rules are those of headers.ts
 * (`upstreamRequestHeaders`, `clientResponseHeaders`); only the shape
 * differs, so no object is built, copied or deleted from per request.
 */

/**
 * The upstream request's headers as a flat list: the client's that cross
 * (see `crossesOnRequest`), the authority's cookies removed, any client
 * `X-Request-Id` replaced by `requestId` (or dropped without one), then
 * `Host` and `X-Forwarded-*`. Identity headers and `Content-Length` are
 * appended by the caller.
 *
 * @example
 * ```ts
 * const list = upstreamHeaderList(req.headers, 'upstream:8080', { proto: 'https', host: 'mcp.example.com' }, 'req-1');
 * ```
 */
export function upstreamHeaderList(incoming: IncomingHttpHeaders, upstreamHost: string, forwarded: ForwardedFor, requestId: string | undefined): string[] {
  const dropped = connectionTokens(incoming.connection);
  const out: string[] = [];
  for (const raw of Object.keys(incoming)) {
    const value = incoming[raw];
    // Node lowercases the names it parses; headers built by hand may not be.
    const name = raw.toLowerCase();
    if (value === undefined || name === 'x-request-id' || !crossesOnRequest(name, dropped)) continue;
    if (name === 'cookie') {
      const cookie = withoutAuthorityCookies(Array.isArray(value) ? value.join('; ') : value);
      if (cookie) out.push('cookie', cookie);
      continue;
    }
    if (typeof value === 'string') out.push(name, value);
    // A list is sent as one line each, as undici sends an array value.
    else for (const one of value) out.push(name, one);
  }
  out.push('host', upstreamHost, 'x-forwarded-proto', forwarded.proto, 'x-forwarded-host', forwarded.host);
  if (forwarded.clientAddress) out.push('x-forwarded-for', forwarded.clientAddress);
  if (requestId !== undefined) out.push('x-request-id', requestId);
  return out;
}

/** The upstream's response headers, read once: names lower-cased, in order, with what the proxy itself needs from them. */
export interface UpstreamResponseHeaders {
  /** `name, value, name, value...` as received. */
  list: string[];
  /** `Mcp-Session-Id`, repeats joined with `, ` as the client gets it; undefined without one. */
  sessionId: string | undefined;
  /** Whether the body is an SSE stream (`Content-Type: text/event-stream`). */
  eventStream: boolean;
}

/**
 * Reads undici's raw response headers (Buffers) into strings.
 *
 * @example
 * ```ts
 * const upstream = readResponseHeaders(rawHeaders);
 * ```
 */
export function readResponseHeaders(raw: Buffer[]): UpstreamResponseHeaders {
  const list: string[] = new Array<string>(raw.length);
  let sessionId: string | undefined = undefined;
  let eventStream = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    list[i] = name;
    list[i + 1] = value;
    if (name === 'mcp-session-id') sessionId = sessionId === undefined ? value : `${sessionId}, ${value}`;
    else if (name === 'content-type' && firstAt(list, name, i)) eventStream = value.startsWith('text/event-stream');
  }
  if (raw.length % 2 === 1) list.length = raw.length - 1;
  return { list, sessionId, eventStream };
}

/** Whether the name at `at` is the first of its kind in `list` (names only: a value may read like a name). */
function firstAt(list: string[], name: string, at: number): boolean {
  for (let i = 0; i < at; i += 2) if (list[i] === name) return false;
  return true;
}

/** The values of the `Connection` headers in `list`, or undefined. */
function connectionOf(list: string[]): string | undefined {
  let value: string | undefined = undefined;
  for (let i = 0; i < list.length; i += 2) if (list[i] === 'connection') value = value === undefined ? list[i + 1] : `${value}, ${list[i + 1]}`;
  return value;
}

/**
 * Sets the upstream's response headers that cross (see `crossesOnResponse`)
 * on the client's response: each replaces one Gatehouse already set (as
 * `writeHead` with an object would), a repeated one is joined with `, `,
 * and `Set-Cookie` keeps every value but those named like the authority's
 * cookies. Header names are only ever strings here: one named `constructor`
 * is just a header.
 *
 * @example
 * ```ts
 * applyResponseHeaders(res, readResponseHeaders(rawHeaders).list);
 * res.writeHead(status);
 * ```
 */
export function applyResponseHeaders(res: ServerResponse, list: string[]): void {
  const dropped = connectionTokens(connectionOf(list));
  let cookies: string[] | undefined = undefined;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    const value = list[i + 1]!;
    if (!crossesOnResponse(name, dropped)) continue;
    if (name === 'set-cookie') {
      if (!isAuthorityCookie(cookieName(value))) (cookies ??= []).push(value);
      continue;
    }
    res.setHeader(name, firstAt(list, name, i) ? value : `${String(res.getHeader(name))}, ${value}`);
  }
  if (cookies) res.setHeader('set-cookie', cookies);
}
