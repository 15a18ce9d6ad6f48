import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  WebStandardStreamableHTTPServerTransport,
  type WebStandardStreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { MAX_BODY_BYTES, readCapped } from '../../gate/read-body.js';
import type { AuthInfo } from '../../tokens/types.js';
import { withCors } from '../../http/cors.js';
import { RPC_ERRORS, rpcErrorResponse } from '../rpc-error.js';
import type { GatedIncomingMessage } from '../node/middleware.js';
import { toWebRequest } from '../node/request.js';
import { writeWebResponse } from '../node/response.js';
import { DEFAULT_MAX_SESSIONS_PER_USER, startsSession, tooManySessionsText } from './session-limit.js';
import { SessionStore, ownerOf } from './sessions.js';

/** Anything the SDK can connect to a transport: `McpServer` or the low-level `Server`. */
export interface McpServerLike {
  connect(transport: Transport): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the MCP server for a new session (stateful) or a single request
 * (stateless). Receives the caller's `AuthInfo`, for servers whose tools
 * depend on who is calling.
 */
export type McpServerFactory = (authInfo: AuthInfo | undefined) => McpServerLike | Promise<McpServerLike>;

/** Options for {@link createMcpHandler}. */
export interface McpHandlerOptions {
  /**
   * `stateless` (default): a fresh server and transport per request, no
   * `Mcp-Session-Id`; scales horizontally. `stateful`: sessions with ids,
   * server-to-client streams on GET, each session bound to its caller.
   */
  sessions?: 'stateless' | 'stateful';
  /** Answer POSTs with plain JSON instead of an SSE stream. */
  enableJsonResponse?: boolean;
  /** Close a stateful session after this many ms without a request. Default 30 minutes. */
  sessionIdleTimeoutMs?: number;
  /**
   * Stateful sessions one caller (issuer, subject and client of the token)
   * may hold at once; an `initialize` beyond it gets 429 with `Retry-After`.
   * Default 50.
   */
  maxSessionsPerUser?: number;
  /**
   * Serve requests that carry no `AuthInfo`. Off by default: a handler
   * mounted without the gate in front refuses to run rather than serve
   * everyone.
   */
  allowAnonymous?: boolean;
  /** Further options for the SDK's transport (event store, DNS-rebinding checks...). */
  transport?: Omit<WebStandardStreamableHTTPServerTransportOptions, 'sessionIdGenerator' | 'onsessioninitialized' | 'onsessionclosed' | 'enableJsonResponse'>;
}

/** A Streamable HTTP endpoint for MCP servers built by a factory; see {@link createMcpHandler}. */
export interface McpHandler {
  /** Web-standard: for Hono, fetch-style runtimes and `gate.fetch`. */
  fetch(request: Request, authInfo?: AuthInfo, parsedBody?: unknown): Promise<Response>;
  /** `node:http`/Express: reads `req.auth` and `req.body` as left by the gate's middleware. */
  node(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Open sessions (always 0 when stateless). */
  readonly sessionCount: number;
  /** Closes every open session and its server. */
  close(): Promise<void>;
}

/** The same response, whose body calls `done` once when it ends or the client goes away. */
function whenBodyEnds(response: Response, done: () => void): Response {
  let finished = false;
  function finish() {
    if (finished) return;
    finished = true;
    done();
  }
  if (!response.body) {
    finish();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: end, value } = await reader.read();
        if (end) {
          controller.close();
          finish();
        } else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
        finish();
      }
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => {});
      finish();
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** A body over the cap (a JSON `null` is a body too). */
const TOO_LARGE = Symbol('too large');

/** The parsed body, or the JSON of a copy read within the cap. */
async function bodyOf(request: Request, parsedBody: unknown): Promise<unknown> {
  if (parsedBody !== undefined) return parsedBody;
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return TOO_LARGE;
  try {
    const stream = request.clone().body;
    const bytes = stream ? await readCapped(stream, MAX_BODY_BYTES) : new Uint8Array();
    return bytes === null ? TOO_LARGE : (JSON.parse(new TextDecoder().decode(bytes)) as unknown);
  } catch {
    return undefined;
  }
}

/**
 * Serves MCP servers over Streamable HTTP behind the gate: each request's
 * verified `AuthInfo` reaches tool handlers as `extra.authInfo`.
 *
 * @example
 * ```ts
 * const mcp = createMcpHandler(() => {
 *   const server = new McpServer({ name: 'notes', version: '1.0.0' });
 *   server.registerTool('whoami', {}, async (extra) => ({
 *     content: [{ type: 'text', text: String(extra.authInfo?.extra?.sub) }],
 *   }));
 *   return server;
 * });
 * app.use(gatehouseExpress(gate));
 * app.all('/mcp', mcp.node);
 * ```
 */
export function createMcpHandler(createServer: McpServerFactory, options: McpHandlerOptions = {}): McpHandler {
  const stateful = options.sessions === 'stateful';
  const sessions = new SessionStore(options.sessionIdleTimeoutMs ?? 30 * 60_000, options.maxSessionsPerUser ?? DEFAULT_MAX_SESSIONS_PER_USER);
  const transportOptions = { ...options.transport, enableJsonResponse: options.enableJsonResponse ?? false };

  async function connect(authInfo: AuthInfo | undefined, transport: WebStandardStreamableHTTPServerTransport) {
    const server = await createServer(authInfo);
    await server.connect(transport);
    return async function closeBoth() {
      await transport.close().catch(() => {});
      await server.close().catch(() => {});
    };
  }

  async function serveStateless(request: Request, authInfo: AuthInfo | undefined, parsedBody: unknown): Promise<Response> {
    if (request.method !== 'POST') {
      return rpcErrorResponse(405, RPC_ERRORS.serverError, 'Method not allowed: this server is stateless, use POST', { allow: 'POST' });
    }
    const transport = new WebStandardStreamableHTTPServerTransport({ ...transportOptions, sessionIdGenerator: undefined });
    const close = await connect(authInfo, transport);
    try {
      const response = await transport.handleRequest(request, { authInfo, parsedBody });
      return whenBodyEnds(response, () => void close());
    } catch (err) {
      await close();
      throw err;
    }
  }

  async function openSession(request: Request, authInfo: AuthInfo | undefined, parsedBody: unknown): Promise<Response> {
    const owner = ownerOf(authInfo);
    if (!sessions.reserve(owner)) {
      return rpcErrorResponse(429, RPC_ERRORS.serverError, tooManySessionsText(sessions.maxPerOwner), { 'retry-after': String(sessions.retryAfterSec(owner)) });
    }
    let opened = false;
    let close: () => Promise<void> = async () => {};
    const transport = new WebStandardStreamableHTTPServerTransport({
      ...transportOptions,
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized(id) {
        opened = true;
        sessions.add(id, { transport, owner, lastSeen: Date.now(), close: () => close() });
      },
      onsessionclosed(id) {
        sessions.delete(id);
      },
    });
    transport.onclose = function forgetSession() {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    try {
      close = await connect(authInfo, transport);
      const response = await transport.handleRequest(request, { authInfo, parsedBody });
      // A failed initialize opened no session: drop the server made for it.
      if (!transport.sessionId) await close();
      return response;
    } finally {
      if (!opened) sessions.release(owner);
    }
  }

  async function serveStateful(request: Request, authInfo: AuthInfo | undefined, parsedBody: unknown): Promise<Response> {
    const id = request.headers.get('mcp-session-id');
    if (id) {
      const entry = sessions.get(id);
      // Another caller's session is answered exactly like an unknown one.
      if (!entry || entry.owner !== ownerOf(authInfo)) return rpcErrorResponse(404, RPC_ERRORS.sessionNotFound, 'Session not found');
      return entry.transport.handleRequest(request, { authInfo, parsedBody });
    }
    if (request.method === 'POST') {
      const body = await bodyOf(request, parsedBody);
      if (body === TOO_LARGE) return rpcErrorResponse(413, RPC_ERRORS.serverError, `Request body is larger than ${MAX_BODY_BYTES} bytes`);
      if (startsSession(body)) return openSession(request, authInfo, body);
    }
    return rpcErrorResponse(400, RPC_ERRORS.serverError, 'Bad Request: Mcp-Session-Id header is required (initialize first)');
  }

  async function handleFetch(request: Request, authInfo?: AuthInfo, parsedBody?: unknown): Promise<Response> {
    if (!authInfo && !options.allowAnonymous) {
      return rpcErrorResponse(500, RPC_ERRORS.internal, 'The MCP handler got no AuthInfo: mount the Gatehouse middleware in front of it (or set allowAnonymous)');
    }
    const response = stateful ? await serveStateful(request, authInfo, parsedBody) : await serveStateless(request, authInfo, parsedBody);
    return withCors(response);
  }

  async function handleNode(req: GatedIncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const bytes = req.rawBody ?? (req.body !== undefined ? Buffer.from(JSON.stringify(req.body)) : undefined);
      const request = toWebRequest(req, { body: bytes });
      await writeWebResponse(res, await handleFetch(request, req.auth, req.body));
    } catch {
      if (res.headersSent) res.destroy();
      else await writeWebResponse(res, rpcErrorResponse(500, RPC_ERRORS.internal, 'Internal server error'));
    }
  }

  return {
    fetch: handleFetch,
    node: handleNode,
    get sessionCount() {
      return sessions.size;
    },
    close: () => sessions.closeAll(),
  };
}
