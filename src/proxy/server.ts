import type { ServerResponse } from 'node:http';
import type { GatedIncomingMessage } from '../adapters/node/middleware.js';
import type { FetchHook } from '../authority/registration/index.js';
import { pathOf } from '../http/node/request-path.js';
import { sendJson } from '../http/node/respond.js';
import { serve, type ServedHttp } from '../server/serve.js';
import type { ConfigLayer } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { ProxyBackend } from './backend.js';
import { ASSERTION_JWKS_PATH, createGateFront, type GateFront } from './front.js';
import { createHttpProxy } from './http/http-proxy.js';
import type { SessionOwnerRegistry } from './http/owner-registry.js';
import { redisSessionOwners } from './http/redis-session-owners.js';
import { RPC_ERRORS, writeRpcError } from './rpc-error.js';
import type { ProxySettings } from '../config/sections/proxy.js';
import { createStdioBridge, type StdioBridge } from './stdio/stdio-bridge.js';
import type { MetricsAddress } from '../config/sections/metrics.js';
import { startObservability, type Observability } from '../metrics/observability.js';
import type { AuditEvent, Telemetry } from '../telemetry/types.js';

/** Options of {@link startProxy}. */
export interface StartProxyOptions {
  /** The gate's settings (mode, issuer, scopes, authority...); `publicUrl` defaults to `http://localhost:<port>`. */
  layers: ConfigLayer;
  /** What is behind the gate, and how to treat it. */
  settings: ProxySettings;
  host: string;
  port: number;
  /** Request logs, children started, exited and reaped, their stderr. Default: JSON lines on stderr. */
  logger?: Logger;
  /** The authority's startup warnings, one line each. Default: `logger.warn`. */
  warn?: (line: string) => void;
  /** How long a graceful stop lets requests in flight finish. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Gatehouse's environment, for `passEnv`. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The fetch the authority loads client metadata documents with (tests). */
  fetch?: FetchHook;
  /** The Prometheus listener (`GATEHOUSE_METRICS_ADDR`); none without it. */
  metrics?: MetricsAddress;
  /** Audit events, besides the log records. */
  onAudit?: (event: AuditEvent) => void;
}

/** A running `gatehouse proxy`. */
export interface RunningProxy {
  readonly front: GateFront;
  readonly backend: ProxyBackend;
  readonly listening: ServedHttp;
  /** The protected MCP endpoint clients connect to. */
  readonly mcpUrl: string;
  readonly publicUrl: string;
  /** Audit and metrics wiring; `observability.listening` is the metrics listener when on. */
  readonly observability: Observability;
  /**
   * Graceful stop: `/readyz` turns 503 and new MCP requests get 503; requests
   * in flight get the shutdown timeout to finish; then sessions end, child
   * processes stop and every connection closes.
   */
  close(): Promise<void>;
}

/**
 * On `GATEHOUSE_STORE=redis` the session owners go to Redis, so any instance
 * behind a load balancer serves any session; otherwise they stay in this process.
 */
function sharedSessionOwners(front: GateFront, settings: ProxySettings, logger: Logger): SessionOwnerRegistry | undefined {
  const { store, redisUrl, redisPrefix } = front.config.authority;
  if (store !== 'redis') return undefined;
  if (!redisUrl) throw new ConfigError('authority.store (GATEHOUSE_STORE) "redis" needs authority.redisUrl (GATEHOUSE_REDIS_URL), e.g. redis://:password@redis.internal:6379/0');
  return redisSessionOwners({
    url: redisUrl,
    prefix: redisPrefix,
    ttlMs: settings.sessionTtlSec * 1000,
    maxPerOwner: settings.maxSessionsPerUser,
    // A place is held from an initialize until the upstream's answer: at most both timeouts.
    placeMs: (settings.connectTimeoutSec + settings.upstreamTimeoutSec) * 1000 + 10_000,
    warn: (line) => logger.warn(line),
  });
}

function backendFor(options: StartProxyOptions, front: GateFront, publicUrl: string, logger: Logger, telemetry: Telemetry | undefined): ProxyBackend {
  const { settings } = options;
  if (settings.upstream) {
    return createHttpProxy({
      sessionOwners: sharedSessionOwners(front, settings, logger),
      upstream: settings.upstream,
      signer: front.signer!,
      publicOrigin: new URL(publicUrl).origin,
      trustUpstream: settings.trustUpstream,
      connectTimeoutMs: settings.connectTimeoutSec * 1000,
      responseTimeoutMs: settings.upstreamTimeoutSec * 1000,
      sessionTtlMs: settings.sessionTtlSec * 1000,
      maxSessionsPerUser: settings.maxSessionsPerUser,
      telemetry,
    });
  }
  const [command, ...args] = settings.command!;
  return createStdioBridge({
    command: command!,
    args,
    shared: settings.shared,
    idleTimeoutMs: settings.idleTimeoutSec * 1000,
    maxChildren: settings.maxChildren,
    maxSessionsPerUser: settings.maxSessionsPerUser,
    backoffMaxMs: settings.restartBackoffMaxSec * 1000,
    envSubject: settings.envSubject,
    passEnv: settings.passEnv,
    env: settings.env,
    cwd: settings.cwd,
    // Not a setting: the variables `passEnv` names are handed to the child as they are; settings are read in src/config.
    parentEnv: options.env ?? process.env,
    log: (line) => logger.info(line),
  });
}

/**
 * Starts `gatehouse proxy`: binds `host`:`port` (both 127.0.0.1 and ::1 for
 * `localhost`), builds the gate (authority or resource server), and serves
 * `/healthz`, `/readyz` (the upstream reachable, or the command found), the
 * key set that verifies identity assertions, the gate's own routes, and the
 * protected endpoint, forwarded to the upstream or the stdio bridge.
 *
 * @example
 * ```ts
 * const proxy = await startProxy({ layers: {}, settings: resolveProxySettings({ upstream: 'http://127.0.0.1:8080/mcp' }), host: 'localhost', port: 3000 });
 * console.log(proxy.mcpUrl);
 * await proxy.close();
 * ```
 */
/** Ready when the gate can verify tokens (a lazy start may still lack the issuer's keys) and the backend answers. */
async function readinessOf(late: { front?: GateFront; backend?: ProxyBackend }): Promise<{ ready: boolean; detail: string }> {
  if (!late.front || !late.backend) return { ready: false, detail: 'starting' };
  const gate = (await late.front.readiness?.()) ?? { ready: true, detail: 'ready' };
  return gate.ready ? late.backend.ready() : gate;
}

export async function startProxy(options: StartProxyOptions): Promise<RunningProxy> {
  const { settings } = options;
  if (!settings.upstream && !settings.command) throw new TypeError('the proxy needs an upstream URL or a command');
  const logger = options.logger ?? createLogger({ write: (line) => void process.stderr.write(`${line}\n`) });
  const late: { front?: GateFront; backend?: ProxyBackend } = {};
  const protectedPath = options.layers.path ?? '/mcp';
  const observability = await startObservability({
    logger,
    metrics: options.metrics,
    publicPort: options.port,
    protectedPath,
    authorityPrefix: options.layers.authority?.routePrefix ?? '/oauth',
    trustProxy: () => late.front?.config.trustProxy ?? false,
    onAudit: options.onAudit,
  });
  // The issuer and resource need the bound port, so the app arrives after the listener (/readyz: 503 until then).
  const listening = await serve({
    host: options.host,
    port: options.port,
    logger,
    protectedPath,
    shutdownTimeoutMs: options.shutdownTimeoutMs,
    readiness: () => readinessOf(late),
    onRequest: observability.onRequest,
  }).catch(async (err: unknown) => {
    await observability.close();
    throw err;
  });
  const publicUrl = (options.layers.publicUrl ?? `http://localhost:${listening.port}`).replace(/\/+$/, '');
  let front: GateFront;
  try {
    front = await createGateFront({
      layers: { ...options.layers, publicUrl },
      assertionAudience: settings.upstream,
      assertionTtlSec: settings.assertionTtlSec,
      publicUrlDefaulted: !options.layers.publicUrl,
      warn: options.warn ?? ((line) => logger.warn(line)),
      fetch: options.fetch,
      telemetry: observability.telemetry,
    });
  } catch (err) {
    await listening.close();
    await observability.close();
    throw err;
  }
  let backend: ProxyBackend;
  try {
    backend = backendFor(options, front, publicUrl, logger, observability.telemetry);
  } catch (err) {
    await front.close();
    await listening.close();
    await observability.close();
    throw err;
  }
  if (observability.sources) {
    Object.assign(observability.sources, front.scrapeSources);
    const bridge = backend as Partial<StdioBridge>;
    if (bridge.children) observability.sources.children = () => bridge.children!().length;
  }
  late.front = front;
  late.backend = backend;

  listening.ready(function proxyApp(req: GatedIncomingMessage, res: ServerResponse) {
    // Most requests are MCP calls: the path is cut out of the URL only when it may be the key set's.
    if (req.url?.startsWith(ASSERTION_JWKS_PATH) && pathOf(req) === ASSERTION_JWKS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      return sendJson(res, 200, front.assertionJwks, { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' });
    }
    return front.handle(req, res, function afterGate() {
      if (!req.auth) return sendJson(res, 404, { error: 'not_found' });
      backend.handle(req, res).catch((err: unknown) => {
        logger.error('proxy failure', { error: (err as Error).message });
        writeRpcError(res, 500, RPC_ERRORS.internal, 'Internal error in the Gatehouse proxy');
      });
    });
  });

  let closing: Promise<void> | undefined;
  return {
    front,
    backend,
    listening,
    mcpUrl: `${publicUrl}${front.config.path}`,
    publicUrl,
    observability,
    close() {
      const timeoutMs = options.shutdownTimeoutMs ?? 10_000;
      // The backend answers its requests in flight, then ends its streams, which lets the server's drain finish early.
      closing ??= Promise.all([listening.shutdown(timeoutMs), backend.close(timeoutMs)]).then(() => front.close()).finally(() => observability.close());
      return closing;
    },
  };
}
