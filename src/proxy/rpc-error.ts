import type { ServerResponse } from 'node:http';

/** JSON-RPC error codes the proxy answers with (implementation-defined server errors). */
export const RPC_ERRORS = {
  /** The upstream cannot be reached, timed out, or answered in a way Gatehouse will not pass on. */
  upstream: -32000,
  /** The session does not exist, or is not the caller's. */
  sessionNotFound: -32001,
  /** The upstream process exited; the session is over. */
  upstreamExited: -32002,
} as const;

/**
 * A JSON-RPC error object for a message that has no id of its own (HTTP
 * level failures), as the MCP SDK's own transports answer them.
 *
 * @example
 * ```ts
 * rpcErrorBody(-32000, 'Upstream MCP server unreachable: connect ECONNREFUSED');
 * ```
 */
export function rpcErrorBody(code: number, message: string, id: string | number | null = null): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id });
}

/**
 * Answers with a JSON-RPC error, unless a response is already under way, in
 * which case the connection is cut (the client sees the stream end early).
 *
 * @example
 * ```ts
 * writeRpcError(res, 502, RPC_ERRORS.upstream, 'Upstream MCP server unreachable: ECONNREFUSED');
 * ```
 */
export function writeRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(rpcErrorBody(code, message));
}
