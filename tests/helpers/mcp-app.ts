/**
 * A small MCP server behind Gatehouse, the way a user would write one:
 * Express 5, `gatehouseExpress(gate)` in front, the project's SDK glue
 * serving an `McpServer` with two tools. It listens before the gate exists,
 * because the resource URI (and so the authorization server's config) needs
 * its port; `use(gate)` puts the gate in place afterwards.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import express from 'express';
import { gatehouseExpress } from '../../src/adapters/express/index.js';
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
 * Starts the app on 127.0.0.1 and a free port, with no gate yet (the MCP
 * endpoint answers 503 until `use(gate)`).
 *
 * @example
 * ```ts
 * const app = await startMcpApp();
 * const gate = createGatehouse({ issuer, publicUrl: app.origin });
 * app.use(gate);
 * ```
 */
export async function startMcpApp(): Promise<McpApp> {
  const requests: string[] = [];
  let guard: ReturnType<typeof gatehouseExpress> | undefined;
  const mcp: McpHandler = createMcpHandler(() => buildMcpServer());

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

  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    mcpUrl: `${origin}/mcp`,
    requests,
    use(gate) {
      guard = gatehouseExpress(gate);
    },
    async close() {
      await mcp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
