import type { AuthInfo as SdkAuthInfo } from '@modelcontextprotocol/server';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Gatehouse } from '../../types.js';
import { gatehouseNode, type GatehouseNodeOptions } from '../node/middleware.js';

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * The verified access token, set by Gatehouse on the MCP endpoint. The
     * SDK v2's `@modelcontextprotocol/express` declares the same property,
     * with the same type, and its `toNodeHandler` forwards it as `authInfo`.
     */
    auth?: SdkAuthInfo;
  }
}

/** Options for {@link gatehouseExpress}; the same as the `node:http` adapter's. */
export type GatehouseExpressOptions = GatehouseNodeOptions;

/**
 * Gatehouse as Express 5 middleware: answers the discovery documents and the
 * DCR façade, guards the MCP endpoint, and sets `req.auth` for the MCP SDK's
 * transport. Works before or after `express.json()`: an already parsed
 * `req.body` is used as is; otherwise the gate reads the body itself and
 * leaves it parsed in `req.body`.
 *
 * @example
 * ```ts
 * const app = express();
 * app.use(gatehouseExpress(gate));
 * app.post('/mcp', (req, res) => transport.handleRequest(req, res, req.body));
 * ```
 */
export function gatehouseExpress(gate: Gatehouse, options: GatehouseExpressOptions = {}): RequestHandler {
  const guard = gatehouseNode(gate, options);
  return function gatehouseExpressMiddleware(req: Request, res: Response, next: NextFunction): Promise<void> {
    // Express calls `next` on its own terms: only when the gate let the request through.
    return guard(req, res, next).then(() => undefined);
  };
}
