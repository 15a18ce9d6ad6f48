/**
 * The real-server comparison's servers, in a child process like
 * bench/server.ts (same IPC commands): two apps serving the same MCP
 * `tools/call` with an official SDK, a fresh server and stateless transport
 * per request, as most servers are written. One has no auth; the other has
 * Gatehouse's adapter in front. Only the guard differs. The stack is the
 * first argument:
 *
 * | stack | app | guard |
 * | --- | --- | --- |
 * | `v1-express` | Express, `express.json()`, SDK v1 `StreamableHTTPServerTransport` | `gatehouseExpress` |
 * | `v2-express` | the SDK v2's `createMcpExpressApp`, `NodeStreamableHTTPServerTransport` | `gatehouseExpress` |
 * | `v2-hono` | the SDK v2's `createMcpHonoApp` on `@hono/node-server`, `WebStandardStreamableHTTPServerTransport` | `gatehouseHono` |
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createMcpExpressApp } from '@modelcontextprotocol/express';
import { createMcpHonoApp } from '@modelcontextprotocol/hono';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { McpServer as McpServerV2, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import express, { type Request, type Response } from 'express';
import type { MiddlewareHandler } from 'hono';
import { gatehouseExpress } from '../src/adapters/express/index.js';
import { gatehouseHono } from '../src/adapters/hono/index.js';
import { createGatehouse } from '../src/gatehouse.js';
import type { GatehouseVerifier } from '../src/tokens/create-verifier.js';
import type { AuthInfo } from '../src/tokens/types.js';
import type { Gatehouse } from '../src/types.js';
import { answerCommands, SDK_STACKS, type SdkStack } from './server-commands.js';
import { PUBLIC_URL } from './tokens.js';


function serverV1(): McpServer {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who is calling' }, async (extra) => ({
    content: [{ type: 'text', text: String(extra.authInfo?.extra?.sub ?? 'anonymous') }],
  }));
  return server;
}

function serverV2(): McpServerV2 {
  const server = new McpServerV2({ name: 'bench', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who is calling' }, async (ctx) => ({
    content: [{ type: 'text', text: String((ctx as { http?: { authInfo?: AuthInfo } }).http?.authInfo?.extra?.sub ?? 'anonymous') }],
  }));
  return server;
}

/** The SDK v1 on Express, as its README writes it. */
function v1Express(guard?: express.RequestHandler): RequestListener {
  const app = express();
  app.use(express.json());
  if (guard) app.use(guard);
  app.post('/mcp', (req: Request, res: Response) => {
    const server = serverV1();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void transport.close().then(() => server.close()));
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res, req.body))
      .catch(() => void (res.headersSent || res.status(500).end()));
  });
  return app;
}

/** The SDK v2 on its own Express app (JSON parser, DNS-rebinding checks). */
function v2Express(guard?: express.RequestHandler): RequestListener {
  const app = createMcpExpressApp({ host: '127.0.0.1' });
  if (guard) app.use(guard);
  app.post('/mcp', (req: Request, res: Response) => {
    const server = serverV2();
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void transport.close().then(() => server.close()));
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res, req.body))
      .catch(() => void (res.headersSent || res.status(500).end()));
  });
  return app as unknown as RequestListener;
}

/** The SDK v2 on its own Hono app, served by @hono/node-server. */
function v2Hono(guard?: MiddlewareHandler): RequestListener {
  const app = createMcpHonoApp({ host: '127.0.0.1' });
  if (guard) app.use(guard);
  app.post('/mcp', async (c) => {
    // createMcpHonoApp's Hono is untyped: the gate's authInfo and the SDK's parsedBody are both in its context.
    const vars = c as unknown as { get(key: 'authInfo'): AuthInfo | undefined; get(key: 'parsedBody'): unknown };
    const server = serverV2();
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    const response = await transport.handleRequest(c.req.raw, { authInfo: vars.get('authInfo'), parsedBody: vars.get('parsedBody') });
    void transport.close().then(() => server.close());
    return response;
  });
  return getRequestListener(app.fetch);
}

function apps(stack: SdkStack, gate: Gatehouse): [plain: RequestListener, gated: RequestListener] {
  if (stack === 'v2-express') return [v2Express(), v2Express(gatehouseExpress(gate))];
  if (stack === 'v2-hono') return [v2Hono(), v2Hono(gatehouseHono(gate) as unknown as MiddlewareHandler)];
  return [v1Express(), v1Express(gatehouseExpress(gate))];
}

function listen(listener: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(listener);
  return new Promise((resolve, reject) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    server.once('error', reject);
  });
}

async function main(): Promise<void> {
  const issuer = process.env.BENCH_ISSUER;
  const stack = (process.argv[2] ?? 'v1-express') as SdkStack;
  if (!issuer || !process.send || !SDK_STACKS.includes(stack)) {
    throw new Error(`bench/sdk-server.ts is started by bench/sdk-http.ts (needs BENCH_ISSUER, an IPC channel, a stack: ${SDK_STACKS.join(', ')})`);
  }
  const gate = createGatehouse({ issuer, publicUrl: PUBLIC_URL });
  await gate.ready();
  const cache = (gate.verifier as GatehouseVerifier).jwtCache;
  const [plainApp, gatedApp] = apps(stack, gate);
  const plain = await listen(plainApp);
  const gated = await listen(gatedApp);

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
