import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { startsSession, tooManySessionsText } from '../../adapters/mcp/session-limit.js';
import { ownerOf } from '../../adapters/mcp/sessions.js';
import type { GatedIncomingMessage } from '../../adapters/node/middleware.js';
import { acceptedRequestId, requestIdOf } from '../../log/request-log.js';
import { isLoopbackHost } from '../../http/loopback.js';
import type { AssertionSigner } from './assertion.js';
import { drain, type ProxyBackend, type Readiness } from '../backend.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { addIdentityHeaders } from './identity.js';
import { probeTcp } from './probe.js';
import { RPC_ERRORS, writeRpcError } from '../rpc-error.js';
import { SessionOwners } from './session-owners.js';
import type { Telemetry } from '../../telemetry/types.js';

/** Options of {@link createHttpProxy}. */
export interface HttpProxyOptions {
  /** The upstream MCP endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
  upstream: string | URL;
  /** Signs the `X-Gatehouse-Assertion` each request carries. */
  signer: AssertionSigner;
  /** The public origin clients use; sent as `X-Forwarded-Host`/`-Proto`. */
  publicOrigin: string;
  /** Send the plain identity headers too. Default: only when the upstream is on loopback. */
  trustUpstream?: boolean;
  /** Milliseconds to open a connection to the upstream. Default 10,000. */
  connectTimeoutMs?: number;
  /** Milliseconds from sending a request until the upstream's response headers. Default 120,000. */
  responseTimeoutMs?: number;
  /** Forget a session's owner after this many ms without a request. Default 24 hours. */
  sessionTtlMs?: number;
  /** Upstream sessions one user may hold at once; an `initialize` beyond it gets 429 with `Retry-After`. Default 50. */
  maxSessionsPerUser?: number;
  /** Told how long each upstream call took until its response headers, and whether it failed. */
  telemetry?: Telemetry;
}

/** The reverse proxy in front of a Streamable HTTP MCP server. */
export interface HttpProxy extends ProxyBackend {
  readonly upstream: URL;
  /** Whether the plain identity headers are sent. */
  readonly plainHeaders: boolean;
  /** Sessions whose owner is known. */
  readonly sessionCount: number;
}

class UpstreamTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamTimeout';
  }
}

const UPSTREAM_DEMANDS_AUTH =
  'The upstream MCP server answered 401 Unauthorized: it demands its own authorization, but Gatehouse never forwards ' +
  "the client's token. This is a configuration error: turn off the upstream's own auth and let it trust Gatehouse's " +
  'identity headers (X-Gatehouse-Assertion) instead.';

function describeFailure(err: Error & { code?: string }): string {
  return err.code && !err.message.includes(err.code) ? `${err.code} ${err.message}` : err.message;
}

/**
 * Forwards each gated request to `upstream` and streams the answer back,
 * unbuffered in both directions past what the gate read (SSE responses,
 * `GET` streams and `DELETE` included). The client's `Authorization` header
 * and the authority's cookies never leave; the upstream gets
 * `X-Gatehouse-Assertion` (and, when trusted, plain identity headers)
 * instead. Each `Mcp-Session-Id` the upstream hands out is bound to the
 * caller that got it: anyone else is told 404.
 *
 * @example
 * ```ts
 * const proxy = createHttpProxy({ upstream: 'http://127.0.0.1:8080/mcp', signer, publicOrigin: 'https://mcp.example.com' });
 * authority.handler(req, res, () => (req.auth ? proxy.handle(req, res) : notFound(res)));
 * ```
 */
export function createHttpProxy(options: HttpProxyOptions): HttpProxy {
  const upstream = new URL(options.upstream);
  const secure = upstream.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const agent = secure ? new HttpsAgent({ keepAlive: true, scheduling: 'lifo' }) : new HttpAgent({ keepAlive: true, scheduling: 'lifo' });
  const host = upstream.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(upstream.port) || (secure ? 443 : 80);
  const plainHeaders = options.trustUpstream ?? isLoopbackHost(upstream.hostname);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const responseTimeoutMs = options.responseTimeoutMs ?? 120_000;
  const owners = new SessionOwners(options.sessionTtlMs ?? 24 * 3600_000, undefined, options.maxSessionsPerUser);
  const publicUrl = new URL(options.publicOrigin);
  const publicSide = { proto: publicUrl.protocol.slice(0, -1), host: publicUrl.host };
  /** Responses under way, by request method: a shutdown waits for requests, not for GET streams that never end. */
  const open = new Map<ServerResponse, string>();
  let closing = false;

  const basePath = `${upstream.pathname}${upstream.search}`;

  function targetPath(req: GatedIncomingMessage): string {
    const url = req.url ?? '';
    const at = url.indexOf('?');
    const query = at === -1 ? '' : url.slice(at + 1).split('?')[0]!;
    if (!query) return basePath;
    return `${upstream.pathname}${upstream.search ? `${upstream.search}&` : '?'}${query}`;
  }

  /** The place an `initialize` took under the per-user cap, until a session is bound on it or it is given back. */
  interface Place {
    held: boolean;
  }

  function giveBack(place: Place, owner: string): void {
    if (!place.held) return;
    place.held = false;
    owners.release(owner);
  }

  function relay(req: GatedIncomingMessage, res: ServerResponse, owner: string, sessionId: string | undefined, place: Place, up: IncomingMessage): void {
    const status = up.statusCode ?? 502;
    if (status === 401) {
      up.resume();
      return writeRpcError(res, 502, RPC_ERRORS.serverError, UPSTREAM_DEMANDS_AUTH);
    }
    const issued = up.headers['mcp-session-id'];
    if (!sessionId && typeof issued === 'string' && status < 300) {
      owners.bind(issued, owner, place.held);
      place.held = false;
    }
    giveBack(place, owner);
    if (sessionId && (status === 404 || (req.method === 'DELETE' && status < 300))) owners.forget(sessionId);
    res.writeHead(status, up.statusMessage, clientResponseHeaders(up.headers));
    // An SSE stream may not produce a byte for a while: its client should see the headers now. Other
    // bodies follow at once, and go out with the headers in one write.
    if (String(up.headers['content-type'] ?? '').startsWith('text/event-stream')) res.flushHeaders();
    up.pipe(res);
    up.once('error', () => res.destroy());
    up.once('aborted', () => res.destroy());
  }

  function forward(req: GatedIncomingMessage, res: ServerResponse, headers: Record<string, string | string[] | number>, owner: string, sessionId: string | undefined, place: Place): void {
    const started = Date.now();
    let answered = false;
    let upstreamReq: ClientRequest | undefined = undefined;
    const responseTimer = setTimeout(() => upstreamReq?.destroy(new UpstreamTimeout(`no response within ${responseTimeoutMs} ms`)), responseTimeoutMs);

    // The client went away (or the response ended): the upstream request has no one to answer.
    res.once('close', function onClientClose() {
      open.delete(res);
      clearTimeout(responseTimer);
      giveBack(place, owner);
      if (!res.writableFinished) upstreamReq?.destroy();
    });

    upstreamReq = send({ protocol: upstream.protocol, host, port, method: req.method, path: targetPath(req), headers, agent });
    upstreamReq.once('socket', function watchConnect(socket) {
      if (!socket.connecting) return;
      const connectTimer = setTimeout(() => upstreamReq?.destroy(new UpstreamTimeout(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      socket.once('connect', () => clearTimeout(connectTimer));
      socket.once('close', () => clearTimeout(connectTimer));
    });
    upstreamReq.once('response', function onResponse(up) {
      answered = true;
      clearTimeout(responseTimer);
      options.telemetry?.operation?.({ kind: 'upstream', seconds: (Date.now() - started) / 1000, outcome: 'ok' });
      relay(req, res, owner, sessionId, place, up);
    });
    upstreamReq.once('error', function onUpstreamError(err: Error & { code?: string }) {
      clearTimeout(responseTimer);
      giveBack(place, owner);
      if (answered || res.destroyed) return void res.destroy();
      options.telemetry?.operation?.({ kind: 'upstream', seconds: (Date.now() - started) / 1000, outcome: 'error' });
      if (err instanceof UpstreamTimeout) {
        return writeRpcError(res, 504, RPC_ERRORS.serverError, `Upstream MCP server timed out: ${err.message} (after ${Date.now() - started} ms)`);
      }
      writeRpcError(res, 502, RPC_ERRORS.serverError, `Upstream MCP server unreachable: ${describeFailure(err)}`);
    });
    if (req.rawBody !== undefined) upstreamReq.end(req.rawBody);
    else if (req.method !== 'GET' && req.method !== 'HEAD' && !req.readableEnded) req.pipe(upstreamReq);
    else upstreamReq.end();
  }

  async function handle(req: GatedIncomingMessage, res: ServerResponse): Promise<void> {
    const authInfo = req.auth;
    if (!authInfo) return writeRpcError(res, 500, RPC_ERRORS.internal, 'The proxy got a request the gate did not authenticate');
    if (closing) return writeRpcError(res, 503, RPC_ERRORS.serverError, 'Gatehouse is shutting down');
    const owner = ownerOf(authInfo);
    const header = req.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' ? header : undefined;
    // Another caller's session is answered exactly like an unknown one.
    if (sessionId !== undefined && owners.check(sessionId, owner) !== 'ok') {
      return writeRpcError(res, 404, RPC_ERRORS.sessionNotFound, 'Session not found');
    }
    // An initialize takes a place under the per-user cap before it reaches the upstream, which would open the session.
    const place: Place = { held: sessionId === undefined && req.method === 'POST' && startsSession(req.body) };
    if (place.held && !owners.reserve(owner)) {
      res.setHeader('retry-after', String(owners.retryAfterSec(owner)));
      return writeRpcError(res, 429, RPC_ERRORS.serverError, tooManySessionsText(owners.maxPerOwner));
    }
    const headers = upstreamRequestHeaders(req.headers, upstream.host, { ...publicSide, clientAddress: req.socket.remoteAddress });
    // The id Gatehouse logged this request under, so both logs line up; never a client's unchecked one.
    const requestId = requestIdOf(req) ?? acceptedRequestId(req.headers['x-request-id']);
    if (requestId !== undefined) headers['x-request-id'] = requestId;
    else if (headers['x-request-id'] !== undefined) delete headers['x-request-id'];
    try {
      await addIdentityHeaders(headers, authInfo, { signer: options.signer, plainHeaders });
    } catch (err) {
      giveBack(place, owner);
      throw err;
    }
    if (req.rawBody !== undefined) headers['content-length'] = String(req.rawBody.length);
    // Forgotten again when the response closes (forward's one close listener).
    open.set(res, req.method ?? 'GET');
    forward(req, res, headers as Record<string, string | string[] | number>, owner, sessionId, place);
  }

  return {
    upstream,
    plainHeaders,
    get sessionCount() {
      return owners.size;
    },
    get inFlight() {
      return open.size;
    },
    handle,
    ready(): Promise<Readiness> {
      return probeTcp(host, port, Math.min(connectTimeoutMs, 2000));
    },
    async close(drainMs = 0) {
      closing = true;
      await drain(() => [...open.values()].filter((method) => method !== 'GET').length, drainMs);
      for (const res of open.keys()) res.destroy();
      owners.clear();
      agent.destroy();
    },
  };
}
