import type { ServerResponse } from 'node:http';
import { rpcErrorMessage } from '../adapters/rpc-error.js';

export { RPC_ERRORS } from '../adapters/rpc-error.js';

/**
 * Answers with a JSON-RPC error, unless a response is already under way, in
 * which case the connection is cut (the client sees the stream end early).
 *
 * @example
 * ```ts
 * writeRpcError(res, 502, RPC_ERRORS.serverError, 'Upstream MCP server unreachable: ECONNREFUSED');
 * ```
 */
export function writeRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(rpcErrorMessage(code, message)));
}
