/**
 * Glue for the official MCP SDK: `import { createMcpHandler } from 'mcp-gatehouse/mcp'`.
 */
export { createMcpHandler, type McpHandler, type McpHandlerOptions, type McpServerFactory, type McpServerLike } from './handler.js';
export { authInfoOf, requireScopes, subjectOf, type ExtraWithAuth } from './auth.js';
