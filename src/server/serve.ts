import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf } from '../http/node/request-path.js';
import { sendJson } from '../http/node/respond.js';
import { logRequests, type FinishedRequest, type NodeRequestHandler } from '../log/request-log.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { inRequestContext } from './request-context.js';
import { listen, type Listening } from './listen.js';
import { rpcErrorMessage, RPC_ERRORS } from '../adapters/rpc-error.js';

/**
 * The HTTP life of a Gatehouse server (the CLI's and the proxy's):
 * `/healthz` (alive: 200 once listening), `/readyz` (200 only while
 * serving: 503 while starting and draining), one log record per request,
 * and a graceful shutdown that lets open requests and SSE streams finish
 * before closing what is left.
 */

/** Options of {@link serve}. */
export interface ServeOptions {
  host: string;
  port: number;
  /** Request logs go here; none without it. */
  logger?: Logger;
  /** The gate's protected path, so its requests get a `decision` in the logs. */
  protectedPath?: string;
  /** How long {@link ServedHttp.shutdown} waits for open requests and streams. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** While serving, `/readyz` also asks this (e.g. whether a proxy's upstream is reachable). */
  readiness?: () => Promise<{ ready: boolean; detail: string }>;
  /** Each finished request (the metrics' request counts). */
  onRequest?: (finished: FinishedRequest) => void;
  /**
   * How long a request that arrives while the app is starting waits for it
   * before it is answered 503 (a JSON-RPC error on the MCP endpoint, an
   * OAuth-style error elsewhere, with `Retry-After`). Default 10 s.
   */
  startWaitMs?: number;
}

/** Requests held while starting, at most; past that they are answered 503 at once, so a flood cannot pile up sockets. */
const MAX_WAITING = 1000;

/** Where a served app is in its life. */
export type ServeState = 'starting' | 'ready' | 'draining' | 'closed';

/** A listening server whose app arrives once it is ready. */
export interface ServedHttp extends Listening {
  readonly state: ServeState;
  /** Requests still being answered (streams included), health probes excepted. */
  readonly inFlight: number;
  /** Starts serving `app`; `/readyz` answers 200 from now on. */
  ready(app: NodeRequestHandler): void;
  /**
   * Graceful stop: `/readyz` turns 503, idle connections close, open
   * requests and streams may finish until the timeout, then every
   * connection closes. New requests meanwhile are still answered, with
   * `Connection: close`. Resolves once closed; calling it again waits for the same end.
   */
  shutdown(timeoutMs?: number): Promise<void>;
  /** Immediate stop: every connection closed now. */
  close(): Promise<void>;
}

/**
 * Listens at once (so the port is known, e.g. for a default public URL)
 * and answers health probes; other requests get 503 until `ready(app)`.
 *
 * @example
 * ```ts
 * const served = await serve({ host: 'localhost', port: 3000, logger, protectedPath: '/mcp' });
 * served.ready(app);
 * await waitForSignal();
 * await served.shutdown();
 * ```
 */
export async function serve(options: ServeOptions): Promise<ServedHttp> {
  let state: ServeState = 'starting';
  let app: NodeRequestHandler | undefined;
  const open = new Set<ServerResponse>();
  const emptied = new Set<() => void>();
  let ending: Promise<void> | undefined;
  const waiting = new Set<() => void>();
  const startWaitMs = options.startWaitMs ?? 10_000;

  /** Resolves once the app is there, or the wait is over (then the caller answers 503). */
  function appArrived(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, startWaitMs);
      function done() {
        clearTimeout(timer);
        waiting.delete(done);
        resolve();
      }
      waiting.add(done);
    });
  }

  function notServing(req: IncomingMessage, res: ServerResponse, path: string): void {
    const message = state === 'starting' ? 'Gatehouse is starting; retry in a few seconds' : 'Gatehouse is shutting down; retry on another instance';
    const headers = { 'retry-after': '5', 'access-control-allow-origin': '*' };
    const onEndpoint = options.protectedPath !== undefined && (path === options.protectedPath || path.startsWith(`${options.protectedPath}/`));
    // MCP clients show a JSON-RPC error's message; anything else gets the OAuth error shape every other Gatehouse error has.
    if (onEndpoint) return sendJson(res, 503, rpcErrorMessage(RPC_ERRORS.serverError, message), headers);
    sendJson(res, 503, { error: 'temporarily_unavailable', error_description: message }, headers);
  }

  async function whenStarted(req: IncomingMessage, res: ServerResponse, path: string): Promise<unknown> {
    if (state === 'starting' && waiting.size < MAX_WAITING) await appArrived();
    if (!app || state === 'closed' || res.destroyed) return res.destroyed ? undefined : notServing(req, res, path);
    return serveApp(req, res, app);
  }

  function serveApp(req: IncomingMessage, res: ServerResponse, handler: NodeRequestHandler): unknown {
    open.add(res);
    res.once('close', () => untrack(res));
    return handler(req, res);
  }

  function untrack(res: ServerResponse) {
    open.delete(res);
    if (open.size === 0) for (const notify of emptied) notify();
  }

  async function readyz(res: ServerResponse): Promise<void> {
    if (state !== 'ready' || !options.readiness) return sendJson(res, state === 'ready' ? 200 : 503, { status: state });
    const check = await options.readiness().catch((err: unknown) => ({ ready: false, detail: (err as Error).message }));
    sendJson(res, check.ready ? 200 : 503, { status: check.ready ? 'ready' : 'not ready', detail: check.detail });
  }

  function route(req: IncomingMessage, res: ServerResponse): unknown {
    const path = pathOf(req);
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return readyz(res);
    if (state === 'draining') res.setHeader('connection', 'close');
    // Discovery documents are public: a 404 under /.well-known/ must be readable by a browser client, not a network error.
    // Not on preflights: oidc-provider skips its own CORS when a header is already set, and a preflight fails on a 404 anyway.
    if (req.method !== 'OPTIONS' && path.startsWith('/.well-known/')) res.setHeader('access-control-allow-origin', '*');
    if (!app) return whenStarted(req, res, path);
    if (state === 'closed') return notServing(req, res, path);
    return serveApp(req, res, app);
  }

  // Every request runs in its own context, so audit events deep inside it know its id and address.
  const inContext = (req: IncomingMessage, res: ServerResponse) => inRequestContext(req, () => route(req, res));
  const logged = options.logger ?? (options.onRequest ? silentLogger : undefined);
  const handler = logged ? logRequests(inContext, logged, { protectedPath: options.protectedPath, onRequest: options.onRequest }) : inContext;
  const listening = await listen(handler, options.host, options.port);

  function drained(timeoutMs: number): Promise<void> {
    if (open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        emptied.delete(done);
        resolve();
      }
      emptied.add(done);
    });
  }

  async function shutdown(timeoutMs = options.shutdownTimeoutMs ?? 10_000): Promise<void> {
    if (ending) return ending;
    state = 'draining';
    ending = (async () => {
      listening.closeIdle?.();
      const waiting = open.size;
      if (waiting > 0) options.logger?.info('draining', { openRequests: waiting, timeoutMs });
      await drained(timeoutMs);
      if (open.size > 0) options.logger?.warn('shutdown timeout: closing open requests', { openRequests: open.size });
      state = 'closed';
      await listening.close();
    })();
    return ending;
  }

  return {
    port: listening.port,
    addresses: listening.addresses,
    get state() {
      return state;
    },
    get inFlight() {
      return open.size;
    },
    ready(handlerOfApp) {
      app = handlerOfApp;
      if (state === 'starting') state = 'ready';
      for (const release of [...waiting]) release();
    },
    shutdown,
    async close() {
      state = 'closed';
      for (const release of [...waiting]) release();
      ending ??= listening.close();
      await ending;
    },
  };
}
