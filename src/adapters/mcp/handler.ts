import type { ServerResponse } from 'node:http';
import type { McpHandlerRequestOptions, McpRequestContext } from '@modelcontextprotocol/server';
import { ConfigError } from '../../errors.js';
import { withCors } from '../../http/cors.js';
import type { AuthInfo } from '../../tokens/types.js';
import type { GatedIncomingMessage } from '../node/middleware.js';
import { toWebRequest } from '../node/request.js';
import { writeWebResponse } from '../node/response.js';
import { RPC_ERRORS, rpcErrorResponse } from '../rpc-error.js';
import type { LegacyMcpHandlerOptions, McpServerFactory, McpServerLike, McpServing } from './legacy-handler.js';
import type { SdkV2HandlerOptions, SdkV2ServerFactory } from './modern-handler.js';
import { sdkOf, type McpSdk } from './sdk-of.js';

/** Options for {@link createMcpHandler}. */
export interface McpHandlerOptions extends LegacyMcpHandlerOptions {
  /**
   * Which SDK builds the servers. Unset, the handler asks the factory for
   * one server on the first request, reads which SDK made it and closes it
   * again; set it to skip that.
   */
  sdk?: McpSdk;
  /**
   * Serve requests that carry no `AuthInfo`. Off by default: a handler
   * mounted without the gate in front refuses to run rather than serve
   * everyone.
   */
  allowAnonymous?: boolean;
  /** SDK v2 only: options for the SDK's own `createMcpHandler` (2025 fallback, response mode, event bus...). */
  sdkV2?: SdkV2HandlerOptions;
}

/** The second argument of {@link McpHandler.fetch}: the v2 SDK's shape, or the caller's `AuthInfo` alone. */
export type McpFetchOptions = McpHandlerRequestOptions | AuthInfo;

/** A Streamable HTTP endpoint for MCP servers built by a factory; see {@link createMcpHandler}. */
export interface McpHandler {
  /**
   * Web-standard: for Hono, fetch-style runtimes and `gate.fetch`. Takes
   * the SDK v2 shape `{ authInfo, parsedBody }` (so the SDK's own
   * `toNodeHandler(mcp)` works too) or, as before, `(request, authInfo, parsedBody)`.
   */
  fetch(request: Request, options?: McpFetchOptions, parsedBody?: unknown): Promise<Response>;
  /** `node:http`/Express: reads `req.auth` and `req.body` as left by the gate's middleware. */
  node(req: GatedIncomingMessage, res: ServerResponse): Promise<void>;
  /** Which SDK built the servers: known once the first request was served, or when `options.sdk` says. */
  readonly sdk: McpSdk | undefined;
  /** Open SDK v1 sessions (always 0 when stateless, and for SDK v2 servers). */
  readonly sessionCount: number;
  /** Closes every open session and in-flight exchange, and their servers. */
  close(): Promise<void>;
}

function isAuthInfo(value: McpFetchOptions | undefined): value is AuthInfo {
  return typeof value === 'object' && value !== null && typeof (value as AuthInfo).token === 'string' && Array.isArray((value as AuthInfo).scopes);
}

type AnyFactory = SdkV2ServerFactory | McpServerFactory;

/**
 * The argument of the one probe call: a v2 `McpRequestContext` that is also
 * the v1 factory's `AuthInfo`, so either kind of factory builds its server.
 * The probe's server only says which SDK made it and is closed unused.
 */
function probeArgument(request: Request, authInfo: AuthInfo | undefined): McpRequestContext & Partial<AuthInfo> {
  return { ...authInfo, era: 'modern', authInfo, requestInfo: request };
}

async function probeSdk(factory: AnyFactory, request: Request, authInfo: AuthInfo | undefined): Promise<McpSdk> {
  const server = (await (factory as (arg: unknown) => unknown)(probeArgument(request, authInfo))) as McpServerLike;
  const sdk = sdkOf(server);
  await Promise.resolve(server.close?.()).catch(() => {});
  return sdk;
}

const V2_SESSIONS =
  "sessions: 'stateful' serves SDK v1 servers only: SDK v2 servers are served stateless (2026-07-28 has no sessions, and the SDK's 2025 fallback is stateless). Remove the option.";

/**
 * Serves MCP servers behind the gate over Streamable HTTP, built by the
 * official TypeScript SDK v2 (`@modelcontextprotocol/server`) or v1
 * (`@modelcontextprotocol/sdk`, legacy); which one is read from the first
 * server the factory returns (or set `options.sdk`).
 *
 * SDK v2: the factory is the SDK's own `(ctx) => McpServer`, served through
 * the SDK's `createMcpHandler`, which answers 2026-07-28 requests
 * (`server/discover`, no sessions) and 2025 ones (stateless fallback). The
 * gate's verified `AuthInfo` is passed as the SDK's `authInfo`; tool
 * handlers read it as `ctx.http.authInfo` (or `authInfoOf(ctx)`).
 *
 * SDK v1: the factory gets the `AuthInfo`; tool handlers read
 * `extra.authInfo`; `sessions: 'stateful'` is available.
 *
 * @example
 * ```ts
 * import { McpServer } from '@modelcontextprotocol/server';
 * import { authInfoOf, createMcpHandler, subjectOf } from 'mcp-gatehouse/mcp';
 *
 * const mcp = createMcpHandler(() => {
 *   const server = new McpServer({ name: 'notes', version: '1.0.0' });
 *   server.registerTool('whoami', { description: 'the caller' }, async (ctx) => ({
 *     content: [{ type: 'text', text: subjectOf(authInfoOf(ctx)) ?? '' }],
 *   }));
 *   return server;
 * });
 * app.use(gatehouseExpress(gate));
 * app.all('/mcp', mcp.node);
 * ```
 */
export function createMcpHandler(createServer: SdkV2ServerFactory, options?: McpHandlerOptions): McpHandler;
export function createMcpHandler(createServer: McpServerFactory, options?: McpHandlerOptions): McpHandler;
export function createMcpHandler(createServer: AnyFactory, options: McpHandlerOptions = {}): McpHandler {
  if (options.sdk === 'v2' && options.sessions === 'stateful') throw new ConfigError(V2_SESSIONS);
  let sdk: McpSdk | undefined = options.sdk;
  let serving: Promise<McpServing> | undefined;
  let started: McpServing | undefined;

  async function start(request: Request, authInfo: AuthInfo | undefined): Promise<McpServing> {
    sdk ??= await probeSdk(createServer, request, authInfo);
    if (sdk === 'v2') {
      if (options.sessions === 'stateful') throw new ConfigError(V2_SESSIONS);
      const { createModernServing } = await import('./modern-handler.js');
      return createModernServing(createServer as SdkV2ServerFactory, options.sdkV2);
    }
    // The v1 SDK is loaded only for v1 servers: either SDK may be the one installed.
    const { createLegacyServing } = await import('./legacy-handler.js');
    return createLegacyServing(createServer as McpServerFactory, options);
  }

  function servingFor(request: Request, authInfo: AuthInfo | undefined): Promise<McpServing> {
    serving ??= start(request, authInfo).then(
      (ready) => (started = ready),
      (err: unknown) => {
      // A factory that failed once may work on the next request: do not keep the failure.
        serving = undefined;
        throw err;
      },
    );
    return serving;
  }

  async function handleFetch(request: Request, given?: McpFetchOptions, parsedBody?: unknown): Promise<Response> {
    const authInfo = isAuthInfo(given) ? given : given?.authInfo;
    const body = isAuthInfo(given) || given === undefined ? parsedBody : given.parsedBody;
    if (!authInfo && !options.allowAnonymous) {
      return rpcErrorResponse(500, RPC_ERRORS.internal, 'The MCP handler got no AuthInfo: mount the Gatehouse middleware in front of it (or set allowAnonymous)');
    }
    const served = await servingFor(request, authInfo);
    return withCors(await served.fetch(request, authInfo as AuthInfo | undefined, body));
  }

  async function handleNode(req: GatedIncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const bytes = req.rawBody ?? (req.body !== undefined ? Buffer.from(JSON.stringify(req.body)) : undefined);
      const request = toWebRequest(req, { body: bytes });
      await writeWebResponse(res, await handleFetch(request, req.auth, req.body));
    } catch (err) {
      if (res.headersSent) res.destroy();
      // A setting the handler cannot serve is the operator's to fix: say which (it holds no secret).
      else await writeWebResponse(res, rpcErrorResponse(500, RPC_ERRORS.internal, err instanceof ConfigError ? err.message : 'Internal server error'));
    }
  }

  return {
    fetch: handleFetch,
    node: handleNode,
    get sdk() {
      return sdk;
    },
    get sessionCount() {
      return started?.sessionCount ?? 0;
    },
    async close() {
      const current = serving;
      serving = undefined;
      started = undefined;
      if (current) await (await current.catch(() => undefined))?.close();
    },
  };
}
