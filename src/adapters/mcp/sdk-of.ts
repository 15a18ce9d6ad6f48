/**
 * Which official MCP SDK built a server, read from the server itself, so
 * `createMcpHandler` serves v1 and v2 servers without being told which.
 */

/** The official TypeScript SDK lines: `v2` (`@modelcontextprotocol/server`) and `v1` (`@modelcontextprotocol/sdk`, legacy). */
export type McpSdk = 'v1' | 'v2';

/**
 * `v2` when `server` (an `McpServer` or the low-level `Server`) comes from
 * `@modelcontextprotocol/server`, else `v1`. Read from what the instance
 * can do rather than `instanceof`, so a second copy of either SDK in
 * `node_modules` is recognised too: only v2's `Server` negotiates a
 * protocol era (`getNegotiatedProtocolVersion`).
 *
 * @example
 * ```ts
 * sdkOf(new McpServer({ name: 'notes', version: '1.0.0' })); // 'v2' with @modelcontextprotocol/server
 * ```
 */
export function sdkOf(server: unknown): McpSdk {
  const inner = typeof server === 'object' && server !== null && 'server' in server ? (server as { server: unknown }).server : server;
  const negotiates = typeof inner === 'object' && inner !== null && typeof (inner as { getNegotiatedProtocolVersion?: unknown }).getNegotiatedProtocolVersion === 'function';
  return negotiates ? 'v2' : 'v1';
}
