import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { createMcpHandler } from '../adapters/mcp/handler.js';
import type { GatedIncomingMessage } from '../adapters/node/middleware.js';
import { createAuthority, type Authority, type AuthorityOptions } from '../authority/create-authority.js';
import { checkGuardRails } from '../authority/guard-rails.js';
import { DEV_ADMIN_PREFIX } from '../authority/identity/entitlements.js';
import { mergeConfig } from '../config/merge.js';
import { resolveConfig } from '../config/resolve.js';
import type { ConfigLayer, GatehouseConfig } from '../config/schema.js';
import { pathOf } from '../http/node/request-path.js';
import { sendJson } from '../http/node/respond.js';
import { startDemoDownstream } from './demo-downstream.js';
import { ADMIN_TOOL, DEFAULT_ADMIN_SCOPE, createDemoServer } from './demo-server.js';
import { addUpstreamTool } from './demo-upstream-tool.js';
import type { Io } from './io.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { Listening } from '../server/listen.js';
import { serve } from '../server/serve.js';
import type { MetricsAddress } from '../config/sections/metrics.js';
import { startObservability, type Observability } from '../metrics/observability.js';
import type { AuditEvent } from '../telemetry/types.js';
import { bold, green } from './style.js';

/** `gatehouse demo` with no issuer: Gatehouse's own authorization server, the gate and the demo MCP server on one origin. */

/** The scope every call to the demo needs in authority mode. */
export const DEMO_SCOPE = 'mcp:tools';

/** A running authority demo. */
export interface AuthorityDemo {
  authority: Authority;
  listening: Listening;
  mcpUrl: string;
  /** Audit and metrics wiring; `observability.listening` is the metrics listener when on. */
  observability: Observability;
  /** Graceful stop: /readyz turns 503, open requests and streams finish (up to the shutdown timeout), then everything closes. */
  shutdown(): Promise<void>;
  /** Immediate stop. */
  close(): Promise<void>;
}

/** Options of {@link startAuthorityDemo}. */
export interface AuthorityDemoOptions extends Pick<AuthorityOptions, 'fetch'> {
  /** Request logs; none without it. */
  logger?: Logger;
  /** How long `shutdown()` lets open requests and streams run. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** The Prometheus listener (`GATEHOUSE_METRICS_ADDR`); none without it. */
  metrics?: MetricsAddress;
  /** Audit events, besides the log records. */
  onAudit?: (event: AuditEvent) => void;
}

/**
 * What the ready message says: where the MCP endpoint is, how each kind of
 * client connects to it, and how to sign in.
 *
 * @example
 * ```ts
 * for (const line of authorityReadyLines(authority.config, listening)) io.out(line);
 * ```
 */
export function authorityReadyLines(config: GatehouseConfig, listening: Listening, devLogin: boolean): string[] {
  const origin = config.issuer;
  const mcpUrl = `${(config.publicUrl ?? origin).replace(/\/+$/, '')}${config.path}`;
  const addresses = listening.addresses.map((a) => (a.includes(':') ? `[${a}]` : a)).join(', ');
  const vscode = JSON.stringify({ servers: { 'gatehouse-demo': { type: 'http', url: mcpUrl } } });
  const restricted = [...new Set([...config.authority.restrictedScopes, ...Object.values(config.authority.roles).flat()])];
  const entitled = restricted.length > 0 ? `; usernames starting with "${DEV_ADMIN_PREFIX}" may be granted ${restricted.join(' ')}` : '';
  const signIn = config.upstream
    ? `at the upstream (${config.upstream.provider}); the redirect URI to register there: ${origin}${config.authority.routePrefix}/upstream/callback`
    : devLogin
    ? `development sign-in: type any username (no password); each username is its own user${entitled}`
    : `users of ${config.authority.usersFile ?? resolve(config.authority.stateDir, 'users.json')} (add one: gatehouse users add <name>)`;
  return [
    `${green(bold('Gatehouse ready:'))} MCP endpoint ${mcpUrl} (authorization server ${origin}, state in ${resolve(config.authority.stateDir)})`,
    `  listening on ${addresses} port ${listening.port}; health: ${origin}/healthz`,
    `  sign in: ${signIn}`,
    '  connect:',
    `    MCP Inspector: npx @modelcontextprotocol/inspector  → transport "Streamable HTTP", URL ${mcpUrl}, then Connect`,
    `    Claude Code:   claude mcp add --transport http gatehouse-demo ${mcpUrl}`,
    `    VS Code:       .vscode/mcp.json ${vscode}`,
    `    any MCP SDK:   StreamableHTTPClientTransport(new URL('${mcpUrl}'), { authProvider })`,
  ];
}

/**
 * Starts the authority demo on `host`:`port` (for `localhost`, both
 * 127.0.0.1 and ::1). Settings are checked, and production refusals thrown,
 * before a port is bound.
 *
 * @example
 * ```ts
 * const demo = await startAuthorityDemo({ authority: { stateDir: '.gatehouse' } }, 'localhost', 3000, io);
 * await demo.close();
 * ```
 */
export async function startAuthorityDemo(
  settings: ConfigLayer,
  host: string,
  port: number,
  io: Io,
  options: AuthorityDemoOptions = {},
): Promise<AuthorityDemo> {
  // Every tool needs mcp:tools and admin_report also mcp:admin, so clients can be seen stepping up;
  // admin_report's scopes are restricted (only entitled users get them) unless the settings say otherwise.
  const adminScopes = settings.scopes?.tools?.[ADMIN_TOOL] ?? [DEFAULT_ADMIN_SCOPE];
  const layers = mergeConfig({ scopes: { required: [DEMO_SCOPE] }, authority: { restrictedScopes: adminScopes } }, settings);
  const publicUrlDefaulted = !layers.publicUrl;
  // Refuse a production start before binding anything; the warnings are printed once the authority starts.
  checkGuardRails(resolveConfig({ ...layers, publicUrl: layers.publicUrl ?? `http://localhost:${port || 3000}` }), { publicUrlDefaulted });

  // The issuer needs the bound port, so the app arrives after the listener (/readyz: 503 until then).
  const { logger, shutdownTimeoutMs } = options;
  let started: Authority | undefined;
  let trustProxy = false;
  const protectedPath = layers.path ?? '/mcp';
  const observability = await startObservability({
    logger: logger ?? silentLogger,
    metrics: options.metrics,
    publicPort: port,
    protectedPath,
    authorityPrefix: layers.authority?.routePrefix ?? '/oauth',
    trustProxy: () => trustProxy,
    onAudit: options.onAudit,
  });
  const listening = await serve({
    host,
    port,
    logger,
    shutdownTimeoutMs,
    protectedPath,
    onRequest: observability.onRequest,
    // On Redis, /readyz answers 503 naming the store while it is unreachable.
    readiness: layers.authority?.store === 'redis' ? () => started?.readiness() ?? Promise.resolve({ ready: false, detail: 'starting' }) : undefined,
  }).catch(async (err: unknown) => {
    await observability.close();
    throw err;
  });
  const publicUrl = (layers.publicUrl ?? `http://localhost:${listening.port}`).replace(/\/+$/, '');
  const downstream = await startDemoDownstream(layers).catch(async (err: unknown) => {
    await listening.close();
    await observability.close();
    throw err;
  });
  let authority: Authority;
  try {
    authority = started = await createAuthority({ ...mergeConfig(layers, downstream.layer), publicUrl }, {
      fetch: options.fetch,
      publicUrlDefaulted,
      warn: (line) => io.err(line),
      telemetry: observability.telemetry,
    });
  } catch (err) {
    await listening.close();
    await downstream.close();
    await observability.close();
    throw err;
  }
  const { config } = authority;
  trustProxy = config.trustProxy;
  if (observability.sources) observability.sources.cache = authority.verificationCache;
  downstream.connect(config);
  const mcpUrl = `${publicUrl}${config.path}`;
  const mcp = createMcpHandler(() => addUpstreamTool(downstream.addTool(createDemoServer({ adminScopes: config.scopes.tools[ADMIN_TOOL] ?? [] })), authority), { sdk: 'v2' });

  listening.ready(async function demoApp(req: GatedIncomingMessage, res: ServerResponse) {
    const path = pathOf(req);
    await authority.handler(req, res, function afterAuthority() {
      if (req.auth) return void mcp.node(req, res);
      if (path === '/' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return void res.end(`Gatehouse demo. MCP endpoint: ${mcpUrl}\n`);
      }
      sendJson(res, 404, { error: 'not_found' });
    });
  });

  const devLogin = config.authority.devLogin ?? config.authority.env !== 'production';
  for (const line of authorityReadyLines(config, listening, devLogin)) io.out(line);
  io.out(downstream.readyLine);
  async function close() {
    await listening.close();
    await mcp.close();
    await authority.close();
    await downstream.close();
    await observability.close();
  }
  return {
    authority,
    listening,
    mcpUrl,
    observability,
    async shutdown() {
      await listening.shutdown();
      await close();
    },
    close,
  };
}
