import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '../../tokens/types.js';
import type { Gatehouse } from '../../types.js';
import { addMcpCorsHeaders, isPreflight, mcpPreflightResponse, withMcpCors } from '../cors.js';
import { BodyTooLargeError, DEFAULT_MAX_BODY_BYTES, readBody } from './body.js';
import { toWebRequest, type ToWebRequestOptions } from './request.js';
import { writeWebResponse } from './response.js';

/**
 * A Node request after the gate let it through: what the MCP SDK's
 * `StreamableHTTPServerTransport.handleRequest(req, res, req.body)` reads.
 */
export type GatedIncomingMessage = IncomingMessage & {
  /** The verified token, as the SDK's `AuthInfo` (read by its transports as `req.auth`). */
  auth?: AuthInfo;
  /** The JSON body, parsed, when the gate had to read it. */
  body?: unknown;
  /** The body bytes, so `@hono/node-server` (used inside the SDK) can build its Request again. */
  rawBody?: Buffer;
};

/** Options for {@link gatehouseNode}. */
export interface GatehouseNodeOptions {
  /** The largest body the gate reads on the MCP endpoint; larger ones get 413. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Answer CORS preflights on the MCP endpoint and add CORS headers to its responses. Default true. */
  cors?: boolean;
}

/** `next` of a connect-style middleware. */
export type NextFunction = (err?: unknown) => void;

/**
 * A connect-style middleware. Resolves to `true` when Gatehouse answered the
 * request itself, `false` when it went on to `next` (or, without `next`, when
 * the caller should handle it).
 */
export type GatehouseNodeMiddleware = (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => Promise<boolean>;

function jsonError(status: number, message: string): Response {
  // JSON-RPC's shape: the MCP endpoint's clients show `error.message`.
  return Response.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, { status });
}

/** The body a framework parser already produced, as bytes for the gate's Request. */
function preparsedBytes(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.from(JSON.stringify(body));
}

function parseJson(bytes: Buffer | undefined): unknown {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    // Not JSON: the MCP transport answers it with a JSON-RPC parse error after the gate.
    return undefined;
  }
}

/**
 * Gatehouse for plain `node:http` (and anything connect-style): answers the
 * discovery documents and the DCR façade, guards the MCP endpoint, then
 * calls `next` with `req.auth` (the verified `AuthInfo`) and `req.body` (the
 * parsed JSON the gate had to read for per-tool scopes) set.
 *
 * @example
 * ```ts
 * const guard = gatehouseNode(gate);
 * http.createServer((req, res) => {
 *   guard(req, res, () => transport.handleRequest(req, res, req.body));
 * }).listen(3000);
 * ```
 */
export function gatehouseNode(gate: Gatehouse, options: GatehouseNodeOptions = {}): GatehouseNodeMiddleware {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const cors = options.cors ?? true;
  const { publicUrl, trustProxy } = gate.config;
  const urlOptions: ToWebRequestOptions = publicUrl ? { origin: publicUrl } : { trustProxy };

  async function guard(req: GatedIncomingMessage, res: ServerResponse, next?: NextFunction): Promise<boolean> {
    const preparsed = preparsedBytes(req.body);
    let bytes = preparsed;
    const probe = toWebRequest(req, { ...urlOptions, body: bytes });
    const own = await gate.handle(probe);
    if (own) {
      await writeWebResponse(res, own);
      return true;
    }
    if (!gate.protects(probe)) {
      next?.();
      return false;
    }
    if (cors && isPreflight(probe)) {
      await writeWebResponse(res, mcpPreflightResponse(probe));
      return true;
    }
    const method = probe.method;
    if (bytes === undefined && method !== 'GET' && method !== 'HEAD') bytes = await readBody(req, maxBodyBytes);
    const body = req.body !== undefined ? req.body : parseJson(bytes);
    const request = bytes === preparsed ? probe : toWebRequest(req, { ...urlOptions, body: bytes });
    const result = await gate.authenticate(request, { body });
    if (!result.ok) {
      await writeWebResponse(res, cors ? withMcpCors(result.response) : result.response);
      return true;
    }
    req.auth = result.authInfo;
    if (req.body === undefined && body !== undefined) req.body = body;
    if (bytes !== undefined) req.rawBody = bytes;
    if (cors) {
      const headers = addMcpCorsHeaders(new Headers());
      for (const [name, value] of headers) res.setHeader(name, value);
    }
    next?.();
    return false;
  }

  return async function gatehouseMiddleware(req, res, next) {
    try {
      return await guard(req, res, next);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return true;
      }
      if (err instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        await writeWebResponse(res, withMcpCors(jsonError(413, err.message)));
        return true;
      }
      if (next) {
        next(err);
        return true;
      }
      await writeWebResponse(res, jsonError(500, 'Internal error in the authorization gate'));
      return true;
    }
  };
}
