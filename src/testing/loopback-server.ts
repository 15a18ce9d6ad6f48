import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A handler's answer: status and JSON body, a raw body, or `'hang'` to never answer. */
export type LoopbackAnswer = { status: number; json?: unknown; text?: string } | 'hang';

/** A running loopback server. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Every request received, as `METHOD /path?query`. */
  readonly requests: string[];
  /** Replaces the handler. */
  setHandler(handler: (req: IncomingMessage, body: string) => LoopbackAnswer): void;
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 whose answers a test decides, and which
 * records what it was asked. Handy to stand in for a misbehaving provider.
 *
 * @example
 * ```ts
 * const server = await startLoopbackServer((req) => (req.url === '/jwks' ? { status: 503 } : { status: 404 }));
 * // ... server.requests
 * await server.close();
 * ```
 */
export async function startLoopbackServer(handler: (req: IncomingMessage, body: string) => LoopbackAnswer = () => ({ status: 404 })): Promise<LoopbackServer> {
  const requests: string[] = [];
  let current = handler;
  const server = createServer(function answer(req: IncomingMessage, res: ServerResponse) {
    requests.push(`${req.method} ${req.url}`);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const result = current(req, body);
      if (result === 'hang') return;
      if (result.text !== undefined) {
        res.writeHead(result.status, { 'content-type': 'text/plain' });
        res.end(result.text);
      } else {
        res.writeHead(result.status, { 'content-type': 'application/json' });
        res.end(result.json === undefined ? '' : JSON.stringify(result.json));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    setHandler(next) {
      current = next;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
