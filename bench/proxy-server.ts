/**
 * The processes of the proxy benchmark, each in its own child process as in
 * a deployment: the upstream (the MCP server Gatehouse protects) is either
 * `tiny`, a JSON-RPC responder doing as little as possible so the proxy's
 * whole cost shows, or `sdk`, an MCP server as the official SDK builds one;
 * `proxy` is `gatehouse proxy --upstream` in resource-server mode for the
 * bench issuer. Each reports its URL over IPC, answers `stats` with
 * its CPU time, and stops on `close`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { silentLogger } from '../src/log/logger.js';
import { startProxy } from '../src/proxy/server.js';
import { resolveProxySettings } from '../src/config/sections/proxy.js';
import { PUBLIC_URL } from './tokens.js';
import { listenOnLoopback, serveParent } from './server-commands.js';

/** A request from the parent. */
export interface ProxyServerCommand {
  id: number;
  /** `mint`: only the token-endpoint children (bench/token-server.ts) answer it, with `count` refresh tokens. */
  type: 'stats' | 'close' | 'mint';
  count?: number;
}

/** What the child says once it listens. */
export interface ProxyServerReady {
  type: 'ready';
  /** Origin; the MCP endpoint is `/mcp`. */
  url: string;
}

/** The answer to a command. */
export interface ProxyServerReply {
  id: number;
  /** CPU time (user + system) of this process, in µs. */
  cpuMicros: number;
  /** The answer to `mint`. */
  tokens?: string[];
}

function respond(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', function answer() {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as { id?: unknown } | null;
    const payload = JSON.stringify({ jsonrpc: '2.0', id: body?.id ?? null, result: { content: [{ type: 'text', text: 'ok' }] } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  });
}

/** An MCP server as the official SDK builds one: a stateless Streamable HTTP transport and a server per request, JSON answers. */
function sdkHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  return function serveMcp(req, res) {
    const server = new McpServer({ name: 'bench-upstream', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Answers ok' }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.once('close', () => void transport.close().then(() => server.close()));
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  };
}

async function startUpstream(kind: 'tiny' | 'sdk'): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(kind === 'tiny' ? respond : sdkHandler());
  return listenOnLoopback(server);
}

/**
 * The floor for any reverse proxy on node:http: a bare relay over a keep-alive pool, no gate, no header
 * filtering, no identity. What `gatehouse proxy` costs beyond it is Gatehouse's own work.
 */
function bareRelay(upstream: string): (req: IncomingMessage, res: ServerResponse) => void {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, scheduling: 'lifo' });
  return function relay(req, res) {
    const { host: _host, authorization: _authorization, ...headers } = req.headers;
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: '/mcp', headers: { ...headers, host: target.host }, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.once('error', () => res.destroy());
    req.pipe(up);
  };
}

/**
 * The floor for a relay on undici: a keep-alive Pool, `dispatch` writing straight to the node response
 * (no Web Request/Response, no IncomingMessage per request), no gate, no filtering, no identity.
 */
function bareUndiciRelay(upstream: string): (req: IncomingMessage, res: ServerResponse) => void {
  const target = new URL(upstream);
  const pool = new Pool(target.origin);
  return function relay(req, res) {
    const { host: _host, authorization: _authorization, connection: _connection, ...headers } = req.headers;
    pool.dispatch(
      { method: 'POST', path: target.pathname, headers: { ...headers, host: target.host }, body: req },
      {
        onConnect() {},
        onHeaders(status, raw) {
          const out: string[] = [];
          for (let i = 0; i + 1 < raw.length; i += 2) out.push(String(raw[i]), String(raw[i + 1]));
          res.writeHead(status, out);
          return true;
        },
        onData: (chunk) => res.write(chunk),
        onComplete: () => res.end(),
        onError: () => res.destroy(),
      },
    );
  };
}

async function startRelay(upstream: string, kind: 'relay' | 'undici-relay'): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(kind === 'relay' ? bareRelay(upstream) : bareUndiciRelay(upstream));
  return listenOnLoopback(server);
}

async function startGatehouse(issuer: string, upstream: string): Promise<{ url: string; close(): Promise<void> }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-proxy-'));
  const proxy = await startProxy({
    // Tokens are minted for PUBLIC_URL's /mcp; the proxy binds a free port on 127.0.0.1 all the same.
    layers: { issuer, publicUrl: PUBLIC_URL, authority: { stateDir, store: 'memory' } },
    settings: resolveProxySettings({ upstream: `${upstream}/mcp` }),
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
  return {
    url: `http://127.0.0.1:${proxy.listening.port}`,
    async close() {
      await proxy.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const [role, upstream] = process.argv.slice(2);
  const issuer = process.env.BENCH_ISSUER;
  if (!process.send || !['tiny', 'sdk', 'proxy', 'relay', 'undici-relay'].includes(role ?? '') || (role === 'proxy' && !issuer) || (role !== 'tiny' && role !== 'sdk' && !upstream)) {
    throw new Error('bench/proxy-server.ts is started by bench/proxy.ts (role tiny or sdk, relay or undici-relay <upstream origin>, or proxy <upstream origin> with BENCH_ISSUER)');
  }
  serveParent(
    role === 'proxy' ? await startGatehouse(issuer!, upstream!) : role === 'relay' || role === 'undici-relay' ? await startRelay(`${upstream!}/mcp`, role) : await startUpstream(role as 'tiny' | 'sdk'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
