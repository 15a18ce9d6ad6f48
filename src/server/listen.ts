import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Servers listening on one port, possibly on several addresses. */
export interface Listening {
  port: number;
  /** The addresses actually bound, e.g. `['127.0.0.1', '::1']`. */
  addresses: string[];
  /** Closes keep-alive connections with no request on them (a graceful stop's first step). */
  closeIdle?(): void;
  close(): Promise<void>;
}

function listenOne(listener: RequestListener, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(listener);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive and SSE connections would hold `close` open forever.
    server.closeAllConnections();
  });
}

/**
 * Listens on `host`, or, for `localhost`, on both 127.0.0.1 and ::1 (Node's
 * `fetch` and some clients resolve `localhost` to ::1 only). The IPv6
 * address is skipped when the machine has none.
 *
 * @example
 * ```ts
 * const { port, close } = await listen(handler, 'localhost', 3000);
 * ```
 */
export async function listen(listener: RequestListener, host: string, port: number): Promise<Listening> {
  const dual = host.toLowerCase() === 'localhost';
  const first = await listenOne(listener, dual ? '127.0.0.1' : host.replace(/^\[(.*)\]$/, '$1'), port);
  const servers = [first];
  const bound = (first.address() as AddressInfo).port;
  if (dual) {
    try {
      servers.push(await listenOne(listener, '::1', bound));
    } catch {
      // No IPv6 loopback here (or the port is taken on it): 127.0.0.1 alone still serves.
    }
  }
  return {
    port: bound,
    addresses: servers.map((s) => (s.address() as AddressInfo).address),
    closeIdle() {
      for (const server of servers) server.closeIdleConnections();
    },
    async close() {
      await Promise.all(servers.map(closeServer));
    },
  };
}
