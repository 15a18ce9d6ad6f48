import type { ServerResponse } from 'node:http';
import type { GatedIncomingMessage } from '../adapters/node/middleware.js';

/** What `/readyz` reports about the thing behind the gate. */
export interface Readiness {
  ready: boolean;
  /** One line a person can act on, e.g. "upstream 127.0.0.1:8080 refused the connection". */
  detail: string;
}

/**
 * What serves the protected MCP endpoint once the gate has let a request
 * through: the reverse proxy to an HTTP upstream, or the stdio bridge.
 */
export interface ProxyBackend {
  /** Serves one gated request (`req.auth` set, `req.rawBody` holding what the gate read). */
  handle(req: GatedIncomingMessage, res: ServerResponse): Promise<void>;
  /** Whether requests can be served now. */
  ready(): Promise<Readiness>;
  /** Requests or streams still open. */
  readonly inFlight: number;
  /**
   * Stops: waits up to `drainMs` for open requests and streams to finish,
   * then cuts the rest and releases everything (sockets, child processes).
   */
  close(drainMs?: number): Promise<void>;
}

/**
 * Resolves once `count()` is 0 or `ms` have passed, checking every 50 ms.
 *
 * @example
 * ```ts
 * await drain(() => open.size, 10_000);
 * ```
 */
export function drain(count: () => number, ms: number): Promise<void> {
  if (count() === 0 || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const deadline = Date.now() + ms;
    const timer = setInterval(function check() {
      if (count() === 0 || Date.now() >= deadline) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
  });
}
