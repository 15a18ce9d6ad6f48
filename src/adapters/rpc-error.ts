/**
 * JSON-RPC error answers of the MCP endpoint when the failure is Gatehouse's
 * (a body too large, a session unknown, an upstream gone): the shape the MCP
 * SDK's own transports answer with, so clients show `error.message`.
 */
import { withCors } from '../http/cors.js';

/** JSON-RPC error codes Gatehouse answers with (implementation-defined server errors, and the spec's internal error). */
export const RPC_ERRORS = {
  /** The generic server error: a request Gatehouse refuses, or an upstream that cannot be reached, timed out or answered badly. */
  serverError: -32000,
  /** The session does not exist, or is not the caller's. */
  sessionNotFound: -32001,
  /** The upstream process exited; the session is over. */
  upstreamExited: -32002,
  /** JSON-RPC's method-not-found: a request the bridge cannot pass on. */
  methodNotFound: -32601,
  /** JSON-RPC's own internal error. */
  internal: -32603,
} as const;

/** A JSON-RPC error message. */
export interface RpcErrorMessage {
  jsonrpc: '2.0';
  id: string | number | null;
  error: { code: number; message: string };
}

/**
 * A JSON-RPC error message; `id` is `null` for failures at the HTTP level,
 * where no message of the client's is being answered.
 *
 * @example
 * ```ts
 * JSON.stringify(rpcErrorMessage(RPC_ERRORS.serverError, 'Upstream MCP server unreachable'));
 * ```
 */
export function rpcErrorMessage(code: number, message: string, id: string | number | null = null): RpcErrorMessage {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

/**
 * An HTTP response carrying a JSON-RPC error, with the MCP endpoint's CORS.
 *
 * @example
 * ```ts
 * return rpcErrorResponse(404, RPC_ERRORS.sessionNotFound, 'Session not found');
 * ```
 */
export function rpcErrorResponse(status: number, code: number, message: string, headers?: Record<string, string>): Response {
  return withCors(Response.json(rpcErrorMessage(code, message), { status, headers }));
}
