/**
 * The servers under load, run in a child process so the load generator
 * (autocannon, in the parent) does not share their event loop.
 *
 * Two `node:http` servers on 127.0.0.1 run the same tiny JSON handler: one
 * with no auth, one behind `gatehouseNode` + `createGatehouse` against the
 * issuer named by `BENCH_ISSUER`. The parent talks to this process over IPC:
 * `clear` empties the gate's verification cache, `stats` reads its
 * hit/miss counters, `close` shuts everything down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gatehouseNode, readBody, type GatedIncomingMessage } from '../src/adapters/node/index.js';
import { createGatehouse } from '../src/gatehouse.js';
import type { GatehouseVerifier } from '../src/tokens/create-verifier.js';
import { answerCommands } from './server-commands.js';
import { PUBLIC_URL } from './tokens.js';

/** A request from the parent. */
export interface ServerCommand {
  id: number;
  type: 'clear' | 'stats' | 'close';
}

/** What the child says once both servers listen. */
export interface ServerReady {
  type: 'ready';
  plainUrl: string;
  gatedUrl: string;
}

/** The answer to a command; `hits`/`misses` are the gate's cumulative cache counters. */
export interface ServerReply {
  id: number;
  hits: number;
  misses: number;
  /** CPU time (user + system) this server process has used, in µs: load-independent cost per request. */
  cpuMicros: number;
}

/** The handler both servers run: parse the JSON-RPC body, answer with a small JSON result. */
async function jsonHandler(req: GatedIncomingMessage, res: ServerResponse): Promise<void> {
  const body = (req.body ?? JSON.parse((await readBody(req)).toString('utf8') || 'null')) as { id?: unknown } | null;
  const payload = JSON.stringify({ jsonrpc: '2.0', id: body?.id ?? null, result: { subject: req.auth?.extra?.sub ?? null } });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

function fail(res: ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(500, { 'content-type': 'text/plain' });
  res.end(err instanceof Error ? err.message : 'error');
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function main(): Promise<void> {
  const issuer = process.env.BENCH_ISSUER;
  if (!issuer || !process.send) throw new Error('bench/server.ts is started by bench/http.ts (needs BENCH_ISSUER and an IPC channel)');

  // The demo's shape: one tool with an extra scope, so the per-tool check runs on every request.
  const gate = createGatehouse({ issuer, publicUrl: PUBLIC_URL, scopes: { tools: { admin_report: ['mcp:admin'] } } });
  await gate.ready();
  const cache = (gate.verifier as GatehouseVerifier).jwtCache;
  const guard = gatehouseNode(gate);

  const plain = createServer(function plainRoute(req: IncomingMessage, res: ServerResponse) {
    jsonHandler(req, res).catch((err: unknown) => fail(res, err));
  });
  const gated = createServer(function gatedRoute(req: IncomingMessage, res: ServerResponse) {
    guard(req, res, () => void jsonHandler(req, res).catch((err: unknown) => fail(res, err))).catch((err: unknown) => fail(res, err));
  });
  const ready: ServerReady = { type: 'ready', plainUrl: await listen(plain), gatedUrl: await listen(gated) };

  async function shutdown(): Promise<void> {
    await Promise.all([close(plain), close(gated)]);
    gate.close();
  }

  answerCommands(cache, shutdown, ready);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
