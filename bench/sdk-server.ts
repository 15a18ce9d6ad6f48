/**
 * The real-server comparison's servers, in a child process like
 * bench/server.ts (same IPC commands): two Express apps serving the same
 * MCP `tools/call` with the official SDK v1, a fresh `McpServer` and
 * stateless transport per request, as most servers are written. One has no
 * auth; the other has `gatehouseExpress` in front. Only the guard differs.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express, { type Request, type Response } from 'express';
import { gatehouseExpress } from '../src/adapters/express/index.js';
import { createGatehouse } from '../src/gatehouse.js';
import type { GatehouseVerifier } from '../src/tokens/create-verifier.js';
import { answerCommands } from './server-commands.js';
import { PUBLIC_URL } from './tokens.js';

function buildServer(): McpServer {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who is calling' }, async (extra) => ({
    content: [{ type: 'text', text: String(extra.authInfo?.extra?.sub ?? 'anonymous') }],
  }));
  return server;
}

async function mcpRoute(req: Request, res: Response): Promise<void> {
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
}

function app(guard?: express.RequestHandler): express.Express {
  const result = express();
  result.use(express.json());
  if (guard) result.use(guard);
  result.post('/mcp', (req, res) => {
    mcpRoute(req, res).catch(() => {
      if (!res.headersSent) res.status(500).end();
    });
  });
  return result;
}

function listen(application: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = application.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    server.once('error', reject);
  });
}

async function main(): Promise<void> {
  const issuer = process.env.BENCH_ISSUER;
  if (!issuer || !process.send) throw new Error('bench/sdk-server.ts is started by bench/sdk-http.ts (needs BENCH_ISSUER and an IPC channel)');
  const gate = createGatehouse({ issuer, publicUrl: PUBLIC_URL });
  await gate.ready();
  const cache = (gate.verifier as GatehouseVerifier).jwtCache;
  const plain = await listen(app());
  const gated = await listen(app(gatehouseExpress(gate)));

  async function shutdown(): Promise<void> {
    for (const { server } of [plain, gated]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    gate.close();
  }

  answerCommands(cache, shutdown, { type: 'ready', plainUrl: plain.url, gatedUrl: gated.url });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
