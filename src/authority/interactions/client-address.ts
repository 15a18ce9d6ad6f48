import type { IncomingMessage } from 'node:http';

/**
 * The address a sign-in attempt came from, for the per-address throttle:
 * the TCP peer. Behind a reverse proxy that is the proxy, so every user
 * shares one address; a trusted-proxy lookup (`GATEHOUSE_TRUST_PROXY`)
 * belongs here, in this one function.
 *
 * @example
 * ```ts
 * clientAddress(req); // '203.0.113.7'
 * ```
 */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
