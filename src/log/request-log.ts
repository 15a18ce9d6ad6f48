import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathOf } from '../http/node/request-path.js';
import type { AuthInfo } from '../tokens/types.js';
import type { LogFields, Logger } from './logger.js';

/** A `node:http` request listener, sync or async. */
export type NodeRequestHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** What the gate decided about a request to the protected endpoint. */
export type GateDecision = 'allowed' | 'challenged' | 'forbidden' | 'error';

/** Options of {@link logRequests}. */
export interface RequestLogOptions {
  /**
   * The gate's protected path (`config.path`): requests to it get a
   * `decision`. Unset: every request that reached the gate (one that got a
   * verified token, a challenge or a 403) gets one.
   */
  protectedPath?: string;
  /** Reuse a caller's `X-Request-Id` when it is a short id of safe characters. Default true. */
  trustRequestId?: boolean;
  /**
   * Paths logged at `debug` only (health probes). Default `/healthz`,
   * `/readyz`. Their 503s (starting, draining, upstream away) are what a
   * probe is for, not errors: only a 500 of theirs is logged as one.
   */
  quietPaths?: string[];
  /** Called with each finished request, after its record (the metrics count requests here). */
  onRequest?: (finished: FinishedRequest) => void;
}

/** A request as it ended, for {@link RequestLogOptions.onRequest}. */
export interface FinishedRequest {
  path: string;
  status: number;
  /** The gate's decision, for the protected endpoint. */
  decision?: GateDecision;
  seconds: number;
}

const requestIds = new WeakMap<IncomingMessage, string>();
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id {@link logRequests} gave a request (also sent back as `X-Request-Id`),
 * for log lines written while handling it.
 *
 * @example
 * ```ts
 * log.warn('upstream slow', { requestId: requestIdOf(req) });
 * ```
 */
export function requestIdOf(req: IncomingMessage): string | undefined {
  return requestIds.get(req);
}

/**
 * The gate's decision, read from what it left behind: a verified token on
 * `req.auth` means allowed; otherwise the status and challenge say which refusal.
 *
 * @example
 * ```ts
 * gateDecision(401, undefined, true); // 'challenged'
 * ```
 */
export function gateDecision(status: number, auth: AuthInfo | undefined, challenged: boolean): GateDecision | undefined {
  if (auth) return 'allowed';
  if (status === 403) return 'forbidden';
  if (status === 401 || (challenged && status < 500)) return 'challenged';
  if (status >= 400) return 'error';
  return undefined;
}

/**
 * A caller's `X-Request-Id` when it is safe to log and pass on: 1-64
 * characters of `A-Z a-z 0-9 . _ : -`, one header. Anything else (longer,
 * spaces, control characters, two headers joined) is `undefined`, and a new
 * id is made instead: a client must not write into the logs.
 *
 * @example
 * ```ts
 * acceptedRequestId('trace-abc.1'); // 'trace-abc.1'
 * acceptedRequestId('a\nfake log line'); // undefined
 * ```
 */
export function acceptedRequestId(given: unknown): string | undefined {
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : undefined;
}

function incomingId(req: IncomingMessage, trust: boolean): string {
  return (trust ? acceptedRequestId(req.headers['x-request-id']) : undefined) ?? randomUUID();
}

function subjectOf(auth: AuthInfo | undefined): string | undefined {
  const sub = auth?.extra?.sub;
  return typeof sub === 'string' ? sub : undefined;
}

/**
 * Wraps a request listener so each request gets an id (`X-Request-Id`,
 * echoed in the response) and, when its response ends or the client goes
 * away, one log record: `requestId`, `method`, `path`, `status`,
 * `latencyMs`, and for the protected endpoint `decision`, `subject` and
 * `clientId` (read from `req.auth`, which the gate sets). Never headers,
 * never the query string. A handler that throws gets a 500 and an `error`
 * record.
 *
 * @example
 * ```ts
 * const log = loggerFromSettings({ format: 'json' });
 * http.createServer(logRequests(app, log, { protectedPath: gate.config.path })).listen(3000);
 * ```
 */
export function logRequests(handler: NodeRequestHandler, logger: Logger, options: RequestLogOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const trust = options.trustRequestId ?? true;
  const quiet = new Set(options.quietPaths ?? ['/healthz', '/readyz']);

  return function loggedRequest(req, res) {
    const started = performance.now();
    // A second wrapper (another logger around the same server) keeps the first one's id.
    const requestId = requestIds.get(req) ?? incomingId(req, trust);
    const path = pathOf(req);
    requestIds.set(req, requestId);
    res.setHeader('x-request-id', requestId);

    res.once('close', function writeRecord() {
      const auth = (req as IncomingMessage & { auth?: AuthInfo }).auth;
      const gated = options.protectedPath === undefined ? true : path === options.protectedPath;
      const status = res.statusCode;
      const elapsedMs = performance.now() - started;
      const fields: LogFields = {
        requestId,
        method: req.method,
        path,
        status,
        latencyMs: Math.round(elapsedMs * 10) / 10,
      };
      if (gated) {
        fields.decision = gateDecision(status, auth, res.hasHeader('www-authenticate'));
        fields.subject = subjectOf(auth);
        fields.clientId = auth?.clientId;
      }
      if (!res.writableFinished) fields.aborted = true;
      if (quiet.has(path) && status !== 500) logger.debug('request', fields);
      else if (status >= 500) logger.error('request', fields);
      else logger.info('request', fields);
      options.onRequest?.({ path, status, decision: fields.decision as GateDecision | undefined, seconds: elapsedMs / 1000 });
    });

    try {
      const result = handler(req, res);
      if (result instanceof Promise) result.catch((err: unknown) => failed(err, req, res, logger, requestId));
    } catch (err) {
      failed(err, req, res, logger, requestId);
    }
  };
}

function failed(err: unknown, req: IncomingMessage, res: ServerResponse, logger: Logger, requestId: string): void {
  logger.error('request failed', { requestId, method: req.method, path: pathOf(req), err });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: 'internal_error', requestId }));
}
