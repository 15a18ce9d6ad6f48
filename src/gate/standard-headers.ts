import { HeaderMismatchError } from '../errors.js';
import type { GateRequest } from '../types.js';

/**
 * The MCP 2026-07-28 standard request headers (SEP-2243) checked against the
 * body they describe. Intermediaries (load balancers, gateways, WAFs) may
 * route or apply policy on `Mcp-Method` and `Mcp-Name` without reading the
 * body; the server runs what the body says. If the two could differ, a
 * request could pass an intermediary as `tools/call` of `search` and run as
 * `delete_file`. So every disagreement is refused (400, `-32020`) before
 * any scope check or handler runs.
 *
 * The rules, on one JSON-RPC message:
 * - a header that is present must agree exactly (after HTTP's optional
 *   whitespace is trimmed; case, look-alike characters and inner spaces
 *   all count): `Mcp-Method` = `method`, `Mcp-Name` (Base64-decoded when it
 *   is `=?base64?…?=`) = `params.name` / `params.uri` / `params.taskId`,
 *   `MCP-Protocol-Version` = `_meta["io.modelcontextprotocol/protocolVersion"]`;
 *   this holds on legacy (2025) requests too: a header is a claim wherever
 *   it appears;
 * - a modern request (its `_meta` names a protocol version, or its
 *   `MCP-Protocol-Version` header names 2026-07-28 or later) must carry
 *   `MCP-Protocol-Version`, `Mcp-Method` and, for `tools/call`,
 *   `resources/read`, `prompts/get` and `tasks/*`, `Mcp-Name`; a modern
 *   header on a request without the `_meta` claim disagrees with it;
 * - a batch carries no `Mcp-Method`/`Mcp-Name` (they name one message) and
 *   no modern `MCP-Protocol-Version` (2026-07-28 requests are never batched).
 * Notifications need no header (as the SDK), but one they carry must agree.
 * Repeated header lines are one value joined with ", " (RFC 9110 §5.3).
 */

/** The `_meta` key of the per-request protocol version claim. */
const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
/** The first revision of the modern era; later ones compare greater (the SDK compares the same way). */
const FIRST_MODERN = '2026-07-28';

const BASE64_PREFIX = '=?base64?';
const BASE64_SUFFIX = '?=';
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The body field `Mcp-Name` mirrors, by method (SEP-2243, SEP-2663). */
const NAME_SOURCE: Record<string, string> = {
  'tools/call': 'name',
  'resources/read': 'uri',
  'prompts/get': 'name',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** A value for a message: JSON-quoted, cut short (a name may be megabytes long). */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** RFC 9110 optional whitespace (SP, HTAB) trimmed; `null` stays `null`. */
function header(headers: GateRequest['headers'], name: string): string | null {
  const value = headers.get(name);
  if (value === null || value === '') return value;
  // Parsers trim already: the regex runs only when something did not.
  const first = value[0];
  const last = value[value.length - 1];
  if (first !== ' ' && first !== '\t' && last !== ' ' && last !== '\t') return value;
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * The value an `Mcp-Name` header stands for: itself, or the UTF-8 text of
 * its `=?base64?…?=` form; `undefined` when that form is not canonical
 * Base64 of valid UTF-8 (the spec says refuse it).
 *
 * @example
 * ```ts
 * decodeHeaderValue('=?base64?w6k=?='); // 'é'
 * decodeHeaderValue('search'); // 'search'
 * ```
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith(BASE64_PREFIX) && value.endsWith(BASE64_SUFFIX) && value.length >= BASE64_PREFIX.length + BASE64_SUFFIX.length)) return value;
  const encoded = value.slice(BASE64_PREFIX.length, value.length - BASE64_SUFFIX.length);
  if (!CANONICAL_BASE64.test(encoded)) return undefined;
  try {
    const binary = atob(encoded);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rpcId(message: Record<string, unknown>): string | number | null {
  const { id } = message;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

interface StandardHeaders {
  version: string | null;
  method: string | null;
  name: string | null;
}

function batchMismatch(found: StandardHeaders): HeaderMismatchError | undefined {
  if (found.method !== null) return new HeaderMismatchError(`the Mcp-Method header names ${shown(found.method)} but the body is a JSON-RPC batch, which has no single method`);
  if (found.name !== null) return new HeaderMismatchError(`the Mcp-Name header names ${shown(found.name)} but the body is a JSON-RPC batch, which has no single name`);
  if (found.version !== null && found.version >= FIRST_MODERN) {
    return new HeaderMismatchError(`the MCP-Protocol-Version header names ${shown(found.version)} but the body is a JSON-RPC batch, which that revision does not allow`);
  }
  return undefined;
}

function versionMismatch(found: StandardHeaders, params: unknown, isRequest: boolean, id: string | number | null): HeaderMismatchError | undefined {
  const meta = isPlainObject(params) && isPlainObject(params['_meta']) ? params['_meta'] : undefined;
  const claimed = meta !== undefined && Object.hasOwn(meta, PROTOCOL_VERSION_KEY);
  if (claimed) {
    const version = meta[PROTOCOL_VERSION_KEY];
    if (found.version === null) {
      return isRequest ? new HeaderMismatchError(`the body's _meta names protocol version ${shown(version)} but the MCP-Protocol-Version header is missing`, id) : undefined;
    }
    if (found.version !== version) return new HeaderMismatchError(`the MCP-Protocol-Version header names ${shown(found.version)} but the body's _meta names protocol version ${shown(version)}`, id);
    return undefined;
  }
  if (isRequest && found.version !== null && found.version >= FIRST_MODERN) {
    return new HeaderMismatchError(`the MCP-Protocol-Version header names ${shown(found.version)} but the body's _meta names no protocol version`, id);
  }
  return undefined;
}

function nameMismatch(found: StandardHeaders, method: string, params: unknown, modernRequest: boolean, id: string | number | null): HeaderMismatchError | undefined {
  const field = Object.hasOwn(NAME_SOURCE, method) ? NAME_SOURCE[method] : undefined;
  const value = field !== undefined && isPlainObject(params) ? params[field] : undefined;
  if (found.name === null) {
    if (modernRequest && field !== undefined && typeof value === 'string') {
      return new HeaderMismatchError(`the Mcp-Name header is missing; ${method} needs it to name the body's params.${field} ${shown(value)}`, id);
    }
    return undefined;
  }
  if (field === undefined) return new HeaderMismatchError(`the Mcp-Name header names ${shown(found.name)} but ${shown(method)} names nothing`, id);
  const decoded = decodeHeaderValue(found.name);
  if (decoded === undefined) return new HeaderMismatchError(`the Mcp-Name header ${shown(found.name)} is not valid =?base64?...?= (canonical Base64 of UTF-8)`, id);
  if (decoded !== value) return new HeaderMismatchError(`the Mcp-Name header names ${shown(decoded)} but the body's params.${field} is ${shown(value)}`, id);
  return undefined;
}

/**
 * The disagreement between a request's standard headers and its parsed JSON
 * body, as the `HeaderMismatchError` to answer with; `undefined` when they
 * agree (or the body is not JSON-RPC at all: the server answers that).
 *
 * @example
 * ```ts
 * const mismatch = standardHeaderMismatch(request.headers, body);
 * if (mismatch) return headerMismatchResponse(mismatch);
 * ```
 */
export function standardHeaderMismatch(headers: GateRequest['headers'], body: unknown): HeaderMismatchError | undefined {
  const found: StandardHeaders = { version: header(headers, 'mcp-protocol-version'), method: header(headers, 'mcp-method'), name: header(headers, 'mcp-name') };
  if (Array.isArray(body)) return batchMismatch(found);
  if (!isPlainObject(body)) return undefined;
  const id = rpcId(body);
  const { method, params } = body;
  if (typeof method !== 'string') {
    // A JSON-RPC response (or something else): it has no method, so a method or name header disagrees with it.
    if (found.method !== null) return new HeaderMismatchError(`the Mcp-Method header names ${shown(found.method)} but the body has no method`, id);
    if (found.name !== null) return new HeaderMismatchError(`the Mcp-Name header names ${shown(found.name)} but the body has no method`, id);
    return undefined;
  }
  const isRequest = Object.hasOwn(body, 'id');
  const version = versionMismatch(found, params, isRequest, id);
  if (version) return version;
  const modernRequest = isRequest && found.version !== null && found.version >= FIRST_MODERN;
  if (found.method === null) {
    if (modernRequest) return new HeaderMismatchError(`the Mcp-Method header is missing; the body's method is ${shown(method)}`, id);
  } else if (found.method !== method) {
    return new HeaderMismatchError(`the Mcp-Method header names ${shown(found.method)} but the body's method is ${shown(method)}`, id);
  }
  return nameMismatch(found, method, params, modernRequest, id);
}

/**
 * The answer to a header/body disagreement: HTTP 400 with the JSON-RPC error
 * `-32020`, the request's `id` when known, and a message naming the header.
 *
 * @example
 * ```ts
 * return headerMismatchResponse(new HeaderMismatchError('the Mcp-Method header names "tools/list" but ...', 1));
 * ```
 */
export function headerMismatchResponse(error: HeaderMismatchError, headers: Record<string, string> = {}): Response {
  const body = { jsonrpc: '2.0', id: error.requestId, error: { code: HeaderMismatchError.rpcCode, message: `Bad Request: the request headers and body disagree: ${error.message}` } };
  return new Response(JSON.stringify(body), { status: 400, headers: { ...headers, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } });
}
