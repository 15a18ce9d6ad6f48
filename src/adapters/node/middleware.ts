import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestTooLargeError } from '../../errors.js';
import { isEndpointPath } from '../../gate/endpoint.js';
import { jsonOfBytes } from '../../gate/read-body.js';
import type { AuthInfo } from '../../tokens/types.js';
import type { GateRequest } from '../../types.js';
import type { Gatehouse } from '../../types.js';
import { addCorsHeaders, isPreflight, mcpPreflight, withCors } from '../../http/cors.js';
import { RPC_ERRORS, rpcErrorMessage, rpcErrorResponse } from '../rpc-error.js';
import { BodyTooLargeError, DEFAULT_MAX_BODY_BYTES, GateBody } from './body.js';
import { gateRequestOf, toWebRequest, type ToWebRequestOptions } from './request.js';
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
  /**
   * The body bytes, so `@hono/node-server` (used inside the SDK) can build its Request again, when the gate
   * read the body itself (or a framework left bytes: `express.raw()`); not when a framework parsed JSON first.
   */
  rawBody?: Buffer;
};

/** Options for {@link gatehouseNode}. */
export interface GatehouseNodeOptions {
  /** The largest body the gate reads on the MCP endpoint; larger ones get 413. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Answer CORS preflights on the MCP endpoint and add CORS headers to its responses. Default true. */
  cors?: boolean;
  /**
   * Sees each refusal of the MCP endpoint and resolves to the answer sent
   * instead (the refusal itself, or e.g. a rate limit's `429`). Called after
   * verification, so a request with a valid token never meets it.
   */
  onRefusal?: (req: IncomingMessage, refusal: Response) => Promise<Response>;
}

/** `next` of a connect-style middleware. */
export type NextFunction = (err?: unknown) => void;

/**
 * A connect-style middleware. Resolves to `true` when Gatehouse answered the
 * request itself, `false` when it went on to `next` (or, without `next`, when
 * the caller should handle it).
 */
export type GatehouseNodeMiddleware = (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => Promise<boolean>;

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
 * The gate's way to the body of one request, as `AuthenticateOptions`: one object per request (the gate calls
 * `readBody` as its method), no closure. What it parsed as plain UTF-8 JSON, exactly what {@link parseJson} would
 * give, stays in `value` for the transport: reused, not parsed again.
 */
class BodyForGate {
  value: unknown;
  readonly #body: GateBody;
  readonly #headers: GateRequest['headers'];
  readonly #limit: number;

  constructor(body: GateBody, headers: GateRequest['headers'], limit: number) {
    this.#body = body;
    this.#headers = headers;
    this.#limit = limit;
  }

  /** The body as the gate checks it: over the cap is the gate's 413; compressed or another charset, decoded as the gate decodes. */
  async readBody(): Promise<unknown> {
    let bytes: Buffer;
    try {
      bytes = await this.#body.bytes();
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new RequestTooLargeError(err.limit);
      throw err;
    }
    const json = parseJson(bytes);
    if (json !== undefined) {
      // Plain UTF-8 JSON: jsonOfBytes would decode it to the same value; the transport gets it too.
      this.value = json;
      return json;
    }
    return jsonOfBytes(bytes, this.#headers, this.#limit);
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
  // The origin is the configured one, never the Host header: the gate takes every URL from publicUrl.
  const urlOptions: ToWebRequestOptions = { origin: gate.config.publicUrl };

  // The same for every request that passes: computed once.
  const passHeaders = cors ? [...addCorsHeaders(new Headers())] : [];

  async function guard(req: GatedIncomingMessage, res: ServerResponse, next?: NextFunction): Promise<boolean> {
    // A parsed object (express.json() ran first) is checked as it is; bytes a framework left (express.raw) are used as they are.
    const parsed = req.body !== undefined && !Buffer.isBuffer(req.body) && typeof req.body !== 'string' ? req.body : undefined;
    const preparsed = parsed === undefined ? preparsedBytes(req.body) : undefined;
    const light = gateRequestOf(req, urlOptions);
    // A Web Request is built only for Gatehouse's own routes and preflights; the MCP endpoint's hot path does without.
    if (light.method === 'OPTIONS' || gate.servesPath(light.pathname)) {
      const probe = toWebRequest(req, { ...urlOptions, body: preparsed ?? preparsedBytes(parsed) });
      const own = await gate.handle(probe);
      if (own) {
        await writeWebResponse(res, own);
        return true;
      }
      if (cors && gate.protects(light) && isPreflight(probe)) {
        await writeWebResponse(res, mcpPreflight(probe));
        return true;
      }
    }
    // The path gateRequestOf read is the one gate.protects would read again from the URL: checked without the second parse.
    if (!isEndpointPath(light.pathname, gate.config)) {
      next?.();
      return false;
    }
    const { method } = light;
    // Bytes are read only once the token is verified, and only then if per-tool scopes need them:
    // a request without a valid token never costs its body.
    const body = parsed === undefined && method !== 'GET' && method !== 'HEAD' ? new GateBody(req, maxBodyBytes, preparsed) : undefined;
    const reader = body ? new BodyForGate(body, light.headers, maxBodyBytes) : undefined;
    const result = await gate.authenticate(light, reader ?? { body: parsed ?? null });
    if (!result.ok) {
      if (result.error instanceof RequestTooLargeError) throw new BodyTooLargeError(result.error.limit);
      if (body?.closesOnRefusal) res.setHeader('connection', 'close');
      const answer = options.onRefusal ? await options.onRefusal(req, result.response) : result.response;
      await writeWebResponse(res, cors ? withCors(answer) : answer);
      return true;
    }
    // Read within the cap (413 beyond) when the gate did not need it, for the MCP transport after it. A body a
    // framework parsed gets no rawBody: serialising it again per request would cost more than the gate's own check,
    // and the SDK takes the parsed body as it is (handleRequest(req, res, req.body)), as it does without the gate.
    const bytes = body ? await body.bytes() : preparsed;
    if (req.body === undefined) {
      const json = reader?.value ?? parseJson(bytes);
      if (json !== undefined) req.body = json;
    }
    req.auth = result.authInfo;
    if (bytes !== undefined) req.rawBody = bytes;
    for (const [name, value] of passHeaders) res.setHeader(name, value);
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
        await writeWebResponse(res, rpcErrorResponse(413, RPC_ERRORS.serverError, err.message));
        return true;
      }
      if (next) {
        next(err);
        return true;
      }
      await writeWebResponse(res, Response.json(rpcErrorMessage(RPC_ERRORS.serverError, 'Internal error in the authorization gate'), { status: 500 }));
      return true;
    }
  };
}
