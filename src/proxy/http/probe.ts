import { connect } from 'node:net';
import type { Readiness } from '../backend.js';

/**
 * Whether a TCP connection to `host`:`port` opens within `timeoutMs`: enough
 * for `/readyz` to tell "upstream down" from "up", without sending the
 * upstream a request it would have to answer.
 *
 * @example
 * ```ts
 * await probeTcp('127.0.0.1', 8080, 2000); // { ready: true, detail: 'upstream 127.0.0.1:8080 accepts connections' }
 * ```
 */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<Readiness> {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    function finish(result: Readiness) {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    const timer = setTimeout(() => finish({ ready: false, detail: `upstream ${where} did not accept a connection within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => finish({ ready: true, detail: `upstream ${where} accepts connections` }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ready: false, detail: `upstream ${where} unreachable: ${err.code ?? err.message}` }));
  });
}
