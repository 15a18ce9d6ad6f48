/**
 * The processes of the several-instances benchmark (bench/instances.ts),
 * each a child of its own:
 *
 * - `instance`: Gatehouse's authority and gate (`createAuthority`) in front
 *   of a tiny JSON-RPC handler, on the store `BENCH_STORE` (`file` in
 *   `BENCH_STATE_DIR`, or `redis` at `BENCH_REDIS_URL`), public URL
 *   `BENCH_PUBLIC_URL`, the configured machine client {@link BENCH_ROBOT};
 * - `balancer`: a round-robin on `BENCH_PORT` sending each request to the
 *   next of `BENCH_BACKENDS` (ports, comma-separated) over keep-alive
 *   connections, as a load balancer in front of the instances does.
 *
 * Each reports its URL over IPC, answers `stats` with its CPU time, and
 * stops on `close`.
 */
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createAuthority } from '../src/authority/create-authority.js';
import type { GatedIncomingMessage } from '../src/adapters/node/middleware.js';
import { listenOnLoopback, serveParent } from './server-commands.js';

/** The client the token-endpoint runs authenticate as (client_credentials, HTTP Basic). */
export const BENCH_ROBOT = {
  client_id: 'bench-robot',
  client_secret: 'bench-robot-secret-for-the-benchmark-only-0123',
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope: 'mcp:tools',
};

/** The same on every instance on one Redis; the benchmark's own. */
const BENCH_SECRET = 'bench-shared-secret-of-more-than-32-characters';

/** The handler behind the gate: the gate has read the body already (`req.body`). */
function answer(req: GatedIncomingMessage, res: ServerResponse): void {
  const body = req.body as { id?: unknown } | undefined;
  const payload = JSON.stringify({ jsonrpc: '2.0', id: body?.id ?? null, result: { content: [{ type: 'text', text: 'ok' }] } });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

async function startInstance(env: NodeJS.ProcessEnv): Promise<{ url: string; close(): Promise<void> }> {
  const store = env.BENCH_STORE === 'redis' ? 'redis' : 'file';
  const authority = await createAuthority(
    {
      publicUrl: env.BENCH_PUBLIC_URL,
      authority: {
        stateDir: env.BENCH_STATE_DIR!,
        store,
        ...(store === 'redis' ? { redisUrl: env.BENCH_REDIS_URL, redisPrefix: env.BENCH_REDIS_PREFIX ?? 'bench:', secret: BENCH_SECRET } : {}),
        clients: [BENCH_ROBOT],
        // The limit's bookkeeping runs on every request, as in production; its ceiling is out of the way.
        tokenRateLimit: { burst: 1_000_000, refillSec: 0.001 },
      },
    },
    { warn: () => {} },
  );
  const server = createServer(function serve(req: GatedIncomingMessage, res) {
    authority.handler(req, res, () => (req.auth ? answer(req, res) : res.writeHead(404).end())).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const listening = await listenOnLoopback(server, Number(env.BENCH_PORT ?? 0));
  return {
    url: listening.url,
    async close() {
      await listening.close();
      await authority.close();
    },
  };
}

async function startBalancer(env: NodeJS.ProcessEnv): Promise<{ url: string; close(): Promise<void> }> {
  const backends = (env.BENCH_BACKENDS ?? '').split(',').map(Number);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let turn = 0;
  const server = createServer(function forward(req, res) {
    const port = backends[turn++ % backends.length]!;
    const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent }, (answered) => {
      res.writeHead(answered.statusCode ?? 502, answered.headers);
      answered.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  const listening = await listenOnLoopback(server, Number(env.BENCH_PORT ?? 0));
  return {
    url: listening.url,
    async close() {
      await listening.close();
      agent.destroy();
    },
  };
}

async function main(): Promise<void> {
  const role = process.argv[2];
  if (!process.send || (role !== 'instance' && role !== 'balancer')) throw new Error('bench/instance-server.ts is started by bench/instances.ts (role instance or balancer)');
  serveParent(role === 'instance' ? await startInstance(process.env) : await startBalancer(process.env));
}

// Imported by bench/instances.ts for BENCH_ROBOT: only a forked child runs.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
