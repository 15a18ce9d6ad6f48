import type { Router } from 'express';
import type { Gatehouse } from '../../types.js';
import { createMcpHandler, type McpHandler, type McpHandlerOptions } from '../mcp/handler.js';
import type { McpServerFactory } from '../mcp/legacy-handler.js';
import type { SdkV2ServerFactory } from '../mcp/modern-handler.js';
import { gatehouseExpress, type GatehouseExpressOptions } from './middleware.js';

/** Options for {@link mountMcp}: the gate's and the MCP handler's. */
export interface MountMcpOptions extends McpHandlerOptions {
  gate?: GatehouseExpressOptions;
}

/**
 * One call for an Express app: the gate (documents, DCR façade, token
 * checks) and an MCP endpoint at the gate's protected path, serving servers
 * built by `createServer` (an SDK v2 `(ctx) => McpServer`, or an SDK v1
 * factory). Returns the handler, to `close()` on shutdown.
 *
 * @example
 * ```ts
 * const app = express();
 * const mcp = mountMcp(app, gate, () => buildServer());
 * const server = app.listen(3000);
 * process.on('SIGTERM', () => { server.close(); void mcp.close(); gate.close(); });
 * ```
 */
export function mountMcp(app: Router, gate: Gatehouse, createServer: SdkV2ServerFactory, options?: MountMcpOptions): McpHandler;
export function mountMcp(app: Router, gate: Gatehouse, createServer: McpServerFactory, options?: MountMcpOptions): McpHandler;
export function mountMcp(app: Router, gate: Gatehouse, createServer: SdkV2ServerFactory | McpServerFactory, options: MountMcpOptions = {}): McpHandler {
  const { gate: gateOptions, ...handlerOptions } = options;
  const mcp = createMcpHandler(createServer as SdkV2ServerFactory, handlerOptions);
  app.use(gatehouseExpress(gate, gateOptions));
  app.all(gate.config.path, (req, res) => mcp.node(req, res));
  return mcp;
}
