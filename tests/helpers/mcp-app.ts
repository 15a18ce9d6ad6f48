/**
 * A small MCP server behind Gatehouse, the way a user would write one:
 * Express 5 with `gatehouseExpress(gate)` in front (or Hono with
 * `gatehouseHono(gate)`), the project's SDK glue serving an `McpServer`
 * (SDK v1 by default, or v2) with two tools. It listens before the gate
 * exists, because the resource URI (and so the authorization server's
 * config) needs its port; `use(gate)` puts the gate in place afterwards.
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import express from 'express';
import { Hono, type MiddlewareHandler } from 'hono';
import { gatehouseExpress } from '../../src/adapters/express/index.js';
import { gatehouseHono, type GatehouseEnv } from '../../src/adapters/hono/index.js';
import { authInfoOf } from '../../src/adapters/mcp/index.js';
import { createMcpHandler, type McpHandler } from '../../src/adapters/mcp/index.js';
import type { AuthInfo } from '../../src/tokens/types.js';
import type { Gatehouse } from '../../src/types.js';

/** What `whoami` answers, as JSON text. */
export interface WhoAmI {
  sub: unknown;
  clientId: string;
  scopes: string[];
}

export interface McpApp {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `<origin>/mcp`: the canonical resource URI. */
  mcpUrl: string;
  /** Every request that reached the app, as `METHOD /path` (status added once answered). */
  requests: string[];
  /** Puts a gate in front of the MCP endpoint (replacing any earlier one). */
  use(gate: Gatehouse): void;
  close(): Promise<void>;
}

function describeCaller(authInfo: AuthInfo | undefined): WhoAmI {
  return { sub: authInfo?.extra?.sub, clientId: authInfo?.clientId ?? '', scopes: authInfo?.scopes ?? [] };
}

/**
 * Builds the test MCP server: `whoami` for anyone, `admin_report` guarded
 * per tool by the gate's config (`scopes.tools`), not by the server.
 *
 * @example
 * ```ts
 * const mcp = createMcpHandler(() => buildMcpServer());
 * ```
 */
export function buildMcpServer(): McpServer {
  const server = new McpServer({ name: 'gatehouse-e2e', version: '1.0.0' });
  server.registerTool('whoami', { description: "The caller's subject, client id and scopes" }, async function whoami(extra) {
    return { content: [{ type: 'text', text: JSON.stringify(describeCaller(extra.authInfo)) }] };
  });
  server.registerTool('admin_report', { description: 'Needs mcp:admin (checked by the gate)' }, async function adminReport(extra) {
    return { content: [{ type: 'text', text: JSON.stringify({ report: 'all systems nominal', ...describeCaller(extra.authInfo) }) }] };
  });
  return server;
}

/**
 * The SDK v2 twin of {@link buildMcpServer}: the same two tools, reading the
 * caller from v2's `ctx.http.authInfo`.
 *
 * @example
 * ```ts
 * const mcp = createMcpHandler(() => buildMcpServerV2());
 * ```
 */
export function buildMcpServerV2(): McpServerV2 {
  const server = new McpServerV2({ name: 'gatehouse-e2e-v2', version: '1.0.0' });
  server.registerTool('whoami', { description: "The caller's subject, client id and scopes" }, async function whoami(ctx) {
    return { content: [{ type: 'text', text: JSON.stringify(describeCaller(authInfoOf(ctx))) }] };
  });
  server.registerTool('admin_report', { description: 'Needs mcp:admin (checked by the gate)' }, async function adminReport(ctx) {
    return { content: [{ type: 'text', text: JSON.stringify({ report: 'all systems nominal', ...describeCaller(authInfoOf(ctx)) }) }] };
  });
  return server;
}

/** Which server and framework {@link startMcpApp} runs. */
export interface McpAppOptions {
  /** The SDK the MCP server is built with. Default `v1`. */
  sdk?: 'v1' | 'v2';
  /** The web framework in front. Default `express`. */
  framework?: 'express' | 'hono';
}

/** The Hono app: the same routes as the Express one, `gatehouseHono` in front. */
function honoListener(requests: string[], mcp: McpHandler, currentGate: () => Gatehouse | undefined): RequestListener {
  let guarded: { gate: Gatehouse; middleware: MiddlewareHandler<GatehouseEnv> } | undefined;
  const app = new Hono<GatehouseEnv>();
  app.use(async function recordRequest(c, next) {
    const index = requests.push(`${c.req.method} ${new URL(c.req.url).pathname}`) - 1;
    await next();
    requests[index] = `${requests[index]} ${c.res.status}`;
  });
  app.use(async function currentGateMiddleware(c, next) {
    const gate = currentGate();
    if (!gate) return c.json({ error: 'no gate yet' }, 503);
    if (guarded?.gate !== gate) guarded = { gate, middleware: gatehouseHono(gate) };
    return guarded.middleware(c, next);
  });
  app.all('/mcp', (c) => mcp.fetch(c.req.raw, { authInfo: c.get('authInfo') }));
  return getRequestListener(app.fetch);
}

/**
 * Starts the app on 127.0.0.1 and a free port, with no gate yet (the MCP
 * endpoint answers 503 until `use(gate)`).
 *
 * @example
 * ```ts
 * const app = await startMcpApp({ sdk: 'v2', framework: 'hono' });
 * const gate = createGatehouse({ issuer, publicUrl: app.origin });
 * app.use(gate);
 * ```
 */
export async function startMcpApp(options: McpAppOptions = {}): Promise<McpApp> {
  const requests: string[] = [];
  let guard: ReturnType<typeof gatehouseExpress> | undefined;
  let currentGate: Gatehouse | undefined;
  const mcp: McpHandler = options.sdk === 'v2' ? createMcpHandler(() => buildMcpServerV2()) : createMcpHandler(() => buildMcpServer());

  const app = express();
  app.use(function recordRequest(req, res, next) {
    const index = requests.push(`${req.method} ${req.path}`) - 1;
    res.on('finish', () => {
      requests[index] = `${requests[index]} ${res.statusCode}`;
    });
    next();
  });
  app.use(function currentGate(req, res, next) {
    if (!guard) {
      res.status(503).json({ error: 'no gate yet' });
      return;
    }
    void guard(req, res, next);
  });
  app.all('/mcp', (req, res) => mcp.node(req, res));

  const server = createServer(options.framework === 'hono' ? honoListener(requests, mcp, () => currentGate) : app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    mcpUrl: `${origin}/mcp`,
    requests,
    use(gate) {
      currentGate = gate;
      guard = gatehouseExpress(gate);
    },
    async close() {
      await mcp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
