/**
 * A small MCP server on the SDK v2 (`@modelcontextprotocol/server`), served
 * through the SDK's own `createMcpHandler` (the 2026-07-28 era and the 2025
 * stateless fallback), for tests of what sits in front of it: tools,
 * resources and prompts to call by name, and a record of the standard
 * headers each request arrived with.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { toWebRequest, writeWebResponse } from '../../src/adapters/node/index.js';

/** The headers of one request as the server received them. */
export interface SeenRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A v2 MCP server factory: `search`, `delete_file`, two resources and two prompts; tools answer with the caller's subject. */
export function v2McpServer(): McpServer {
  const server = new McpServer({ name: 'gatehouse-v2-test', version: '1.0.0' });
  const caller = (ctx: { http?: { authInfo?: { extra?: Record<string, unknown> } } }) => String(ctx.http?.authInfo?.extra?.['sub'] ?? 'anonymous');
  server.registerTool('search', { description: 'Search', inputSchema: z.object({ q: z.string() }) }, async ({ q }, ctx) => ({
    content: [{ type: 'text', text: `search ${q} for ${caller(ctx as never)}` }],
  }));
  server.registerTool('delete_file', { description: 'Delete a file', inputSchema: z.object({ path: z.string() }) }, async ({ path }) => ({
    content: [{ type: 'text', text: `deleted ${path}` }],
  }));
  server.registerResource('secret', 'file:///secret/key', { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, text: 'the secret' }] }));
  server.registerResource('readme', 'file:///public/readme', { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, text: 'read me' }] }));
  server.registerPrompt('review', { description: 'Review' }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'review this' } }] }));
  server.registerPrompt('hello', { description: 'Hello' }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }] }));
  return server;
}

/** A v2 server on its own (no gate: an upstream that trusts what is in front of it), on 127.0.0.1. */
export interface V2Upstream {
  readonly url: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Starts the v2 server as an upstream at `http://127.0.0.1:<port>/mcp`.
 *
 * @example
 * ```ts
 * const upstream = await startV2Upstream();
 * // ... gatehouse proxy --upstream upstream.url
 * await upstream.close();
 * ```
 */
export async function startV2Upstream(): Promise<V2Upstream> {
  const handler = createMcpHandler(() => v2McpServer());
  const seen: SeenRequest[] = [];
  let origin = '';
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? 'GET', headers: { ...req.headers } });
    void handler
      .fetch(toWebRequest(req, { origin }))
      .then((response) => writeWebResponse(res, response))
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/mcp`,
    seen,
    async close() {
      await handler.close?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
