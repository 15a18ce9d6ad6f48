/**
 * Glue for the official MCP SDKs, v2 (`@modelcontextprotocol/server`) and v1
 * (`@modelcontextprotocol/sdk`, legacy): `import { createMcpHandler } from 'mcp-gatehouse/mcp'`.
 */
export { createMcpHandler, type McpFetchOptions, type McpHandler, type McpHandlerOptions } from './handler.js';
export type { LegacyMcpHandlerOptions, McpServerFactory, McpServerLike } from './legacy-handler.js';
export type { SdkV2HandlerOptions, SdkV2ServerFactory } from './modern-handler.js';
export { sdkOf, type McpSdk } from './sdk-of.js';
export { authInfoOf, requireScopes, subjectOf, type ExtraWithAuth } from './auth.js';
