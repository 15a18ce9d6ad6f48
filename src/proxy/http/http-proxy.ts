import type { ServerResponse } from 'node:http';
import type { AuthInfo } from '../../tokens/types.js';
import { Pool, type Dispatcher } from 'undici';
import { startsSession, tooManySessionsText } from '../../adapters/mcp/session-limit.js';
import { ownerOf } from '../../adapters/mcp/sessions.js';
import type { GatedIncomingMessage } from '../../adapters/node/middleware.js';
import { acceptedRequestId, requestIdOf } from '../../log/request-log.js';
import { isLoopbackHost } from '../../http/loopback.js';
import type { AssertionSigner } from './assertion.js';
import { drain, type ProxyBackend, type Readiness } from '../backend.js';
import { applyResponseHeaders, readResponseHeaders, upstreamHeaderList, type UpstreamResponseHeaders } from './relay-headers.js';
import { addIdentityHeaders } from './identity.js';
import { probeTcp } from './probe.js';
import { RPC_ERRORS, writeRpcError } from '../rpc-error.js';
import { isStoreOutage, STORE_RETRY_AFTER_SEC } from '../../authority/store-outage.js';
import { memoryOwnerRegistry, type SessionOwnerRegistry } from './owner-registry.js';
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
  /**
   * Where session owners are kept. Default: in this process (`sessionTtlMs`,
   * `maxSessionsPerUser`); several instances behind a load balancer share
   * `redisSessionOwners` (what `gatehouse proxy` does on `GATEHOUSE_STORE=redis`).
   */
  sessionOwners?: SessionOwnerRegistry;
  /** Told how long each upstream call took until its response headers, and whether it failed. */
  telemetry?: Telemetry;
}

/** The reverse proxy in front of a Streamable HTTP MCP server. */
export interface HttpProxy extends ProxyBackend {
  readonly upstream: URL;
  /** Whether the plain identity headers are sent. */
  readonly plainHeaders: boolean;
  /** Sessions whose owner this process holds (0 when they are kept in Redis). */
  readonly sessionCount: number;
}

/** What `handle` resolves with when the request was answered without waiting on anything. */
const DONE: Promise<void> = Promise.resolve();

/**
 * Whether a JSON-RPC body may open a session: a necessary condition of
 * `startsSession` (an `initialize` request, alone or in a batch) that costs
 * a property read, so the full schema check runs only on an initialize.
 */
function mayStartSession(body: unknown): boolean {
  if (Array.isArray(body)) return body.some((message) => (message as { method?: unknown } | null)?.method === 'initialize');
  return typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'initialize';
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
  const host = upstream.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(upstream.port) || (secure ? 443 : 80);
  const plainHeaders = options.trustUpstream ?? isLoopbackHost(upstream.hostname);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const responseTimeoutMs = options.responseTimeoutMs ?? 120_000;
  // Keep-alive connections to the upstream, reused across requests; undici parses responses without a
  // node:http IncomingMessage per request. Streams (SSE, GET) have no body timeout: they may idle for long.
  const pool = new Pool(upstream.origin, { connect: { timeout: connectTimeoutMs }, pipelining: 1 });
  const owners = options.sessionOwners ?? memoryOwnerRegistry(options.sessionTtlMs ?? 24 * 3600_000, options.maxSessionsPerUser);
  const publicUrl = new URL(options.publicOrigin);
  const publicProto = publicUrl.protocol.slice(0, -1);
  const publicHost = publicUrl.host;
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

  /** One proxied request: who calls, on which session, and the place an `initialize` took under the per-user cap. */
  interface Call {
    authInfo: AuthInfo;
    /** `ownerOf(authInfo)`, worked out when first needed: a request without a session never needs it. */
    owner: string | undefined;
    sessionId: string | undefined;
    /** The place an `initialize` took, until a session is bound on it or it is given back. */
    held: string | undefined;
  }

  function ownerOfCall(call: Call): string {
    return (call.owner ??= ownerOf(call.authInfo));
  }

  /** A lost place on a shared store idles out by itself; its owner's requests must not wait on it. */
  function giveBack(call: Call): void {
    const held = call.held;
    if (held === undefined) return;
    call.held = undefined;
    owners.release(ownerOfCall(call), held).catch(() => {});
  }

  /** Redis unreachable: the client should wait and retry, not sign in again or start over. */
  function storeDown(res: ServerResponse): void {
    if (!res.headersSent) res.setHeader('retry-after', String(STORE_RETRY_AFTER_SEC));
    writeRpcError(res, 503, RPC_ERRORS.serverError, 'The session store is unreachable; try again in a few seconds');
  }

  /** Whether {@link track} has anything to do for this answer (most answers: nothing, and no promise is made). */
  function tracks(req: GatedIncomingMessage, call: Call, up: UpstreamResponseHeaders, status: number): boolean {
    return call.held !== undefined || (!call.sessionId && up.sessionId !== undefined && status < 300) || (!!call.sessionId && (status === 404 || (req.method === 'DELETE' && status < 300)));
  }

  /** Records what the upstream's answer says of sessions: one created (bound to its caller), or one gone. */
  async function track(req: GatedIncomingMessage, call: Call, up: UpstreamResponseHeaders, status: number): Promise<void> {
    const issued = up.sessionId;
    if (!call.sessionId && issued !== undefined && status < 300) {
      const held = call.held;
      call.held = undefined;
      await owners.bind(issued, ownerOfCall(call), held);
    }
    giveBack(call);
    if (call.sessionId && (status === 404 || (req.method === 'DELETE' && status < 300))) await owners.forget(call.sessionId);
  }

  function writeHeaders(res: ServerResponse, status: number, statusText: string, up: UpstreamResponseHeaders): true {
    applyResponseHeaders(res, up.list);
    res.writeHead(status, statusText || undefined);
    // An SSE stream may not produce a byte for a while: its client should see the headers now. Other
    // bodies follow at once, and go out with the headers in one write.
    if (up.eventStream) res.flushHeaders();
    return true;
  }

  /**
   * What to tell the client once the upstream's response headers are in. False: the body is not
   * wanted (the client got an error instead). Session tracking runs before the headers go out.
   */
  function relayHeaders(req: GatedIncomingMessage, res: ServerResponse, call: Call, status: number, statusText: string, up: UpstreamResponseHeaders): boolean | Promise<boolean> {
    if (status === 401) {
      writeRpcError(res, 502, RPC_ERRORS.serverError, UPSTREAM_DEMANDS_AUTH);
      return false;
    }
    if (!tracks(req, call, up, status)) return writeHeaders(res, status, statusText, up);
    return track(req, call, up, status).then(
      () => writeHeaders(res, status, statusText, up),
      (err: unknown) => {
        // A session the store could not record would be refused on its next request: say so now.
        if (!isStoreOutage(err)) throw err;
        storeDown(res);
        return false;
      },
    );
  }

  function forward(req: GatedIncomingMessage, res: ServerResponse, headers: string[], call: Call): void {
    const started = Date.now();
    let answered = false;
    /** Set once the upstream's headers were handled: the body streams to the client, or is dropped. */
    let relaying: boolean | undefined = undefined;
    let abort: ((err?: Error) => void) | undefined = undefined;
    let aborted = false;
    let buffered: Buffer[] = [];
    let ended = false;
    let resume: (() => void) | undefined = undefined;

    // The client went away (or the response ended): the upstream request has no one to answer.
    res.once('close', function onClientClose() {
      open.delete(res);
      giveBack(call);
      if (!res.writableFinished) {
        aborted = true;
        abort?.();
      }
    });

    function startRelaying(wanted: boolean): void {
      relaying = wanted;
      if (!wanted) return abort?.();
      // A whole small answer already in: one write for headers and body.
      if (ended && buffered.length === 1) res.end(buffered[0]);
      else {
        for (const chunk of buffered) res.write(chunk);
        if (ended) res.end();
      }
      buffered = [];
    }

    function failed(): void {
      relaying = false;
      abort?.();
      writeRpcError(res, 500, RPC_ERRORS.internal, 'Internal error in the Gatehouse proxy');
    }

    const body = req.rawBody !== undefined ? req.rawBody : req.method !== 'GET' && req.method !== 'HEAD' && !req.readableEnded ? req : null;
    const handler: Dispatcher.DispatchHandlers = {
      onConnect(abortRequest) {
        abort = abortRequest;
        if (aborted) abortRequest();
      },
      onHeaders(status, rawHeaders, resumeBody, statusText) {
        answered = true;
        resume = resumeBody;
        options.telemetry?.operation?.({ kind: 'upstream', seconds: (Date.now() - started) / 1000, outcome: 'ok' });
        let wanted: boolean | Promise<boolean>;
        try {
          wanted = relayHeaders(req, res, call, status, statusText, readResponseHeaders(rawHeaders as Buffer[]));
        } catch {
          failed();
          return true;
        }
        if (typeof wanted === 'boolean') startRelaying(wanted);
        else wanted.then(startRelaying, failed);
        return true;
      },
      onData(chunk) {
        if (relaying === undefined) {
          buffered.push(chunk);
          return true;
        }
        if (!relaying) return true;
        if (res.write(chunk)) return true;
        // The client reads slower than the upstream sends: undici pauses until the response drains.
        if (resume) res.once('drain', resume);
        return false;
      },
      onComplete() {
        if (relaying === undefined) ended = true;
        else if (relaying) res.end();
      },
      onError(err: Error & { code?: string }) {
        giveBack(call);
        if (answered || res.destroyed || aborted) return void res.destroy();
        options.telemetry?.operation?.({ kind: 'upstream', seconds: (Date.now() - started) / 1000, outcome: 'error' });
        if (err.code === 'UND_ERR_HEADERS_TIMEOUT') {
          return writeRpcError(res, 504, RPC_ERRORS.serverError, `Upstream MCP server timed out: no response within ${responseTimeoutMs} ms (after ${Date.now() - started} ms)`);
        }
        if (err.code === 'UND_ERR_CONNECT_TIMEOUT') {
          return writeRpcError(res, 504, RPC_ERRORS.serverError, `Upstream MCP server timed out: no connection within ${connectTimeoutMs} ms (after ${Date.now() - started} ms)`);
        }
        writeRpcError(res, 502, RPC_ERRORS.serverError, `Upstream MCP server unreachable: ${describeFailure(err)}`);
      },
    };
    pool.dispatch({ method: (req.method ?? 'GET') as Dispatcher.HttpMethod, path: targetPath(req), headers, body, headersTimeout: responseTimeoutMs, bodyTimeout: 0 }, handler);
  }

  /** Checks the session id against its owner, and takes a place under the cap for an `initialize`; then sends. */
  async function admitThenSend(req: GatedIncomingMessage, res: ServerResponse, call: Call): Promise<void> {
    const { sessionId } = call;
    try {
      // Another caller's session is answered exactly like an unknown one.
      if (sessionId !== undefined && (await owners.check(sessionId, ownerOfCall(call))) !== 'ok') {
        return writeRpcError(res, 404, RPC_ERRORS.sessionNotFound, 'Session not found');
      }
      // An initialize takes a place under the per-user cap before it reaches the upstream, which would open the session.
      if (sessionId === undefined && req.method === 'POST' && startsSession(req.body)) {
        call.held = await owners.reserve(ownerOfCall(call));
        if (call.held === undefined) {
          res.setHeader('retry-after', String(await owners.retryAfterSec(ownerOfCall(call))));
          return writeRpcError(res, 429, RPC_ERRORS.serverError, tooManySessionsText(owners.maxPerOwner));
        }
      }
    } catch (err) {
      if (isStoreOutage(err)) return storeDown(res);
      throw err;
    }
    return send(req, res, call);
  }

  /** Builds the upstream request's headers (the assertion signed, or taken from the signer's cache) and forwards. */
  function send(req: GatedIncomingMessage, res: ServerResponse, call: Call): Promise<void> {
    // The id Gatehouse logged this request under, so both logs line up; never a client's unchecked one.
    const requestId = requestIdOf(req) ?? acceptedRequestId(req.headers['x-request-id']);
    const headers = upstreamHeaderList(req.headers, upstream.host, { proto: publicProto, host: publicHost, clientAddress: req.socket.remoteAddress }, requestId);
    const finish = (assertion: string): void => {
      addIdentityHeaders(headers, assertion, call.authInfo, plainHeaders);
      if (req.rawBody !== undefined) headers.push('content-length', String(req.rawBody.length));
      // Forgotten again when the response closes (forward's one close listener).
      open.set(res, req.method ?? 'GET');
      forward(req, res, headers, call);
    };
    const assertion = options.signer.cached?.(call.authInfo);
    if (assertion !== undefined) {
      finish(assertion);
      return DONE;
    }
    return options.signer.sign(call.authInfo).then(finish, (err: unknown) => {
      giveBack(call);
      throw err;
    });
  }

  function handle(req: GatedIncomingMessage, res: ServerResponse): Promise<void> {
    const authInfo = req.auth;
    if (!authInfo || closing) {
      if (!authInfo) writeRpcError(res, 500, RPC_ERRORS.internal, 'The proxy got a request the gate did not authenticate');
      else writeRpcError(res, 503, RPC_ERRORS.serverError, 'Gatehouse is shutting down');
      return DONE;
    }
    const header = req.headers['mcp-session-id'];
    const call: Call = { authInfo, owner: undefined, sessionId: typeof header === 'string' ? header : undefined, held: undefined };
    // Without a session id, and unless it is an initialize, there is no owner to check and no place to take.
    if (call.sessionId !== undefined || (req.method === 'POST' && mayStartSession(req.body))) return admitThenSend(req, res, call);
    try {
      return send(req, res, call);
    } catch (err) {
      return Promise.reject(err as Error);
    }
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
      await owners.close();
      await pool.destroy();
    },
  };
}
