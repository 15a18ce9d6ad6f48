/**
 * `gatehouse proxy`: the gate in front of an MCP server that knows nothing
 * of OAuth, either a Streamable HTTP server (reverse proxy) or a stdio
 * server (run as child processes, one per user or shared).
 *
 * @example
 * ```ts
 * import { startProxy, resolveProxySettings } from 'mcp-gatehouse/proxy';
 *
 * const proxy = await startProxy({
 *   layers: { publicUrl: 'https://mcp.example.com' },
 *   settings: resolveProxySettings({ command: ['npx', '-y', '@modelcontextprotocol/server-everything'] }),
 *   host: '0.0.0.0',
 *   port: 3000,
 * });
 * ```
 *
 * @packageDocumentation
 */
export { startProxy, type StartProxyOptions, type RunningProxy } from './server.js';
export { createGateFront, ASSERTION_JWKS_PATH, AUTHORITY_PROXY_SCOPE, type GateFront, type GateFrontOptions } from './front.js';
export { createHttpProxy, type HttpProxy, type HttpProxyOptions } from './http/http-proxy.js';
export { memoryOwnerRegistry, type SessionOwnerRegistry, type OwnerCheck } from './http/owner-registry.js';
export { redisSessionOwners, type RedisSessionOwnersOptions } from './http/redis-session-owners.js';
export { createStdioBridge, type StdioBridge, type StdioBridgeOptions } from './stdio/stdio-bridge.js';
export type { ChildInfo } from './stdio/child-slot.js';
export { createAssertionSigner, ASSERTION_TYPE, type AssertionSigner, type AssertionSignerOptions } from './http/assertion.js';
export { IDENTITY_HEADERS } from './http/headers.js';
export { proxySettingsSchema, resolveProxySettings, proxySettingsFromEnv, PROXY_ENV_NAMES, type ProxySettings, type ProxySettingsInput } from '../config/sections/proxy.js';
export type { ProxyBackend, Readiness } from './backend.js';
