import { randomUUID } from 'node:crypto';
import {
  WebStandardStreamableHTTPServerTransport,
  type WebStandardStreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { MAX_BODY_BYTES, readCapped } from '../../gate/read-body.js';
import type { AuthInfo } from '../../tokens/types.js';
import { RPC_ERRORS, rpcErrorResponse } from '../rpc-error.js';
import { DEFAULT_MAX_SESSIONS_PER_USER, startsSession, tooManySessionsText } from './session-limit.js';
import { SessionStore, ownerOf } from './sessions.js';

/**
 * Anything the SDK v1 can connect to a transport: `McpServer` or the low-level `Server`.
 *
 * @example
 * ```ts
 * const server: McpServerLike = new McpServer({ name: 'notes', version: '1.0.0' });
 * ```
 */
export interface McpServerLike {
  connect(transport: Transport): Promise<void>;
  close(): Promise<void>;
}

/**
 * SDK v1 (legacy): builds the MCP server for a new session (stateful) or a
 * single request (stateless). Receives the caller's `AuthInfo`, for servers
 * whose tools depend on who is calling. SDK v2 factories get a context
 * instead: see `SdkV2ServerFactory`.
 *
 * @example
 * ```ts
 * const factory: McpServerFactory = (authInfo) => buildV1Server(authInfo?.clientId);
 * ```
 */
export type McpServerFactory = (authInfo: AuthInfo | undefined) => McpServerLike | Promise<McpServerLike>;

/** The SDK v1 (legacy) options of {@link createMcpHandler}; SDK v2 servers are always stateless. */
export interface LegacyMcpHandlerOptions {
  /**
   * SDK v1 only. `stateless` (default): a fresh server and transport per
   * request, no `Mcp-Session-Id`; scales horizontally. `stateful`: sessions
   * with ids, server-to-client streams on GET, each session bound to its
   * caller. (The 2026-07-28 revision has no sessions: SDK v2 servers are
   * served stateless.)
   */
  sessions?: 'stateless' | 'stateful';
  /** SDK v1 only: answer POSTs with plain JSON instead of an SSE stream. */
  enableJsonResponse?: boolean;
  /** SDK v1 only: close a stateful session after this many ms without a request. Default 30 minutes. */
  sessionIdleTimeoutMs?: number;
  /**
   * SDK v1 only: stateful sessions one caller (issuer, subject and client of
   * the token) may hold at once; an `initialize` beyond it gets 429 with
   * `Retry-After`. Default 50.
   */
  maxSessionsPerUser?: number;
  /** SDK v1 only: further options for the SDK's transport (event store, DNS-rebinding checks...). */
  transport?: Omit<WebStandardStreamableHTTPServerTransportOptions, 'sessionIdGenerator' | 'onsessioninitialized' | 'onsessionclosed' | 'enableJsonResponse'>;
}

/** How one SDK's servers are served, behind {@link createMcpHandler}'s own checks. */
export interface McpServing {
  fetch(request: Request, authInfo: AuthInfo | undefined, parsedBody: unknown): Promise<Response>;
  readonly sessionCount: number;
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
 * Serves SDK v1 (`@modelcontextprotocol/sdk`, legacy) servers over the SDK's
 * Streamable HTTP transport: each request's verified `AuthInfo` reaches
 * tool handlers as `extra.authInfo`. Used by {@link createMcpHandler}.
 *
 * @example
 * ```ts
 * const serving = createLegacyServing((authInfo) => buildV1Server(authInfo), { sessions: 'stateful' });
 * const response = await serving.fetch(request, authInfo, undefined);
 * ```
 */
export function createLegacyServing(createServer: McpServerFactory, options: LegacyMcpHandlerOptions = {}): McpServing {
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

  return {
    fetch: (request, authInfo, parsedBody) => (stateful ? serveStateful(request, authInfo, parsedBody) : serveStateless(request, authInfo, parsedBody)),
    get sessionCount() {
      return sessions.size;
    },
    close: () => sessions.closeAll(),
  };
}
