/**
 * A load balancer for tests: a loopback HTTP server that sends each request
 * to the next backend in turn (keep-alive off on both sides, so one client's
 * requests really alternate), and records which backend answered what.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running round-robin. */
export interface RoundRobin {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The backends' ports, in turn order; change it while running. */
  backends: number[];
  /** `<backend port> <status> <METHOD> <path>` of every request, in order. */
  readonly log: string[];
  close(): Promise<void>;
}

/**
 * Starts the round-robin on 127.0.0.1 (port 0: a free one; pass one to
 * keep the public URL across restarts).
 *
 * @example
 * ```ts
 * const lb = await startRoundRobin([portA, portB]);
 * // PUBLIC_URL = lb.origin
 * await lb.close();
 * ```
 */
export async function startRoundRobin(backends: number[], port = 0): Promise<RoundRobin> {
  let turn = 0;
  const log: string[] = [];
  const state = { backends };
  const server = createServer(function forward(req: IncomingMessage, res: ServerResponse) {
    const target = state.backends[turn++ % state.backends.length]!;
    const upstream = request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: { ...req.headers, connection: 'close' }, agent: false },
      (answer) => {
        log.push(`${target} ${answer.statusCode} ${req.method} ${req.url}`);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      log.push(`${target} 502 ${req.method} ${req.url}`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`round-robin: backend ${target} failed: ${err.message}`);
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    origin: `http://127.0.0.1:${bound}`,
    get backends() {
      return state.backends;
    },
    set backends(next: number[]) {
      state.backends = next;
    },
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
