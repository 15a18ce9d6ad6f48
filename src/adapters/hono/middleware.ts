import type { MiddlewareHandler } from 'hono';
import type { AuthInfo } from '../../tokens/types.js';
import type { Gatehouse } from '../../types.js';
import { RequestTooLargeError } from '../../errors.js';
import { MAX_BODY_BYTES, jsonOfBytes, readCapped } from '../../gate/read-body.js';
import { isPreflight, mcpPreflight, withCors } from '../../http/cors.js';
import { RPC_ERRORS, rpcErrorResponse } from '../rpc-error.js';
import { honoCors } from './cors.js';

/** What the gate puts in Hono's context: `c.get('authInfo')`. */
export interface GatehouseVariables {
  authInfo: AuthInfo;
}

/** Hono `Env` for apps behind the gate: `new Hono<GatehouseEnv>()`. */
export interface GatehouseEnv {
  Variables: GatehouseVariables;
}

/** Options for {@link gatehouseHono}. */
export interface GatehouseHonoOptions {
  /** The largest body the gate reads on the MCP endpoint; larger ones get 413. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Answer CORS preflights on the MCP endpoint and add CORS headers to its responses. Default true. */
  cors?: boolean;
}

function tooLarge(limit: number): Response {
  return rpcErrorResponse(413, RPC_ERRORS.serverError, `Request body is larger than ${limit} bytes`);
}

/** The request's `Content-Length` when it is a plain decimal number of bytes; `undefined` for none or a malformed one. */
function declaredLength(request: Request): number | undefined {
  const value = request.headers.get('content-length');
  return value !== null && /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/**
 * The bytes of a copy of `request`, leaving the original unread for the MCP
 * transport; read once, on demand, and `null` when over the limit (declared
 * or once read, never read past it).
 */
function bodyOnDemand(request: Request, limit: number): () => Promise<Uint8Array | null> {
  let read: Promise<Uint8Array | null> | undefined;
  return function bytes() {
    read ??= (async () => {
      const declared = declaredLength(request);
      if (declared !== undefined && declared > limit) return null;
      const stream = request.clone().body;
      return stream ? readCapped(stream, limit) : new Uint8Array();
    })();
    return read;
  };
}

/**
 * Gatehouse as Hono middleware: answers the discovery documents and the DCR
 * façade, guards the MCP endpoint and puts the verified token in
 * `c.get('authInfo')`. Headers reach the gate as Hono has them, so duplicate
 * `Authorization` headers are refused.
 *
 * @example
 * ```ts
 * const app = new Hono<GatehouseEnv>();
 * app.use(gatehouseHono(gate));
 * app.all('/mcp', (c) => mcp.fetch(c.req.raw, c.get('authInfo')));
 * ```
 */
export function gatehouseHono(gate: Gatehouse, options: GatehouseHonoOptions = {}): MiddlewareHandler<GatehouseEnv> {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const cors = options.cors ?? true;

  return async function gatehouseHonoMiddleware(c, next) {
    const request = c.req.raw;
    const own = await gate.handle(request);
    if (own) return own;
    if (!gate.protects(request)) return next();
    if (cors && isPreflight(request)) return mcpPreflight(request);

    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    // Read only once the token is verified (and then only if per-tool scopes need it): a request without a
    // valid token never costs its body.
    const bytes = bodyOnDemand(request, maxBodyBytes);
    async function readBody(): Promise<unknown> {
      const read = await bytes();
      if (read === null) throw new RequestTooLargeError(maxBodyBytes);
      return jsonOfBytes(read, request.headers, maxBodyBytes);
    }
    const result = await gate.authenticate(request, hasBody ? { readBody } : { body: null });
    if (!result.ok) {
      if (result.error instanceof RequestTooLargeError) return tooLarge(maxBodyBytes);
      return cors ? withCors(result.response) : result.response;
    }
    // The cap holds for every body that passes, not only for those the gate had to read. A declared length is
    // what the runtime's HTTP parser delivers, no more (Node's llhttp, and the fetch runtimes Hono serves,
    // never hand over more bytes than Content-Length), so only a body without one (chunked) is read here:
    // reading a clone of every request's body cost the Hono path about 250 µs a request. (A Request an app
    // builds itself can claim any length; that is the app's own input, not a client's.)
    const declared = declaredLength(request);
    if (hasBody && (declared !== undefined ? declared > maxBodyBytes : (await bytes()) === null)) return tooLarge(maxBodyBytes);
    c.set('authInfo', result.authInfo);
    await next();
    if (cors) {
      // In place when the headers are mutable (copied only when not). Not c.header(): on a
      // finalized context it rebuilds the response, which on @hono/node-server turns its light Response
      // (a string body, plain headers) into a real one with a ReadableStream body, ~3 Response objects a request.
      const response = c.res;
      const answered = honoCors(response);
      if (answered !== response) {
        // Unset first: assigning over a set c.res would copy the old headers onto the new one.
        c.res = undefined;
        c.res = answered;
      }
    }
  };
}
