/**
 * The SDK v2 path of `createMcpHandler`: a `(ctx) => McpServer` factory
 * served through the SDK's own `createMcpHandler` behind `gatehouseNode`,
 * reached by the SDK v2 client in each version-negotiation mode and by the
 * v1 client (the SDK's stateless 2025 fallback).
 */
import type { ServerResponse } from 'node:http';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { McpServer, Server } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import type { AuthInfo } from '../../tokens/types.js';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import { gatehouseNode, type GatedIncomingMessage } from '../node/index.js';
import { listenOnLoopback, whoamiServerV2, whoamiViaSdk, whoamiViaSdkV2 } from '../../../tests/helpers/adapter-kit.js';
import { authInfoOf, createMcpHandler, requireScopes, sdkOf, subjectOf, type McpHandler } from './index.js';

/** What the factory saw, per call: the era and the caller the SDK handed it. */
const factoryCalls: Array<{ era: string; sub: unknown }> = [];

function buildServer(ctx: { era: 'legacy' | 'modern'; authInfo?: { extra?: Record<string, unknown> } }): McpServer {
  factoryCalls.push({ era: ctx.era, sub: ctx.authInfo?.extra?.sub });
  const server = new McpServer({ name: 'glue-v2-test', version: '1.0.0' });
  server.registerTool('whoami', { description: 'the caller' }, async (toolCtx) => {
    const auth = authInfoOf(toolCtx);
    return { content: [{ type: 'text', text: JSON.stringify({ sub: subjectOf(auth), clientId: auth.clientId, scopes: auth.scopes }) }] };
  });
  server.registerTool('write_note', { description: 'needs notes:write, checked in the handler' }, async (toolCtx) => {
    requireScopes(toolCtx, 'notes:write');
    return { content: [{ type: 'text', text: 'written' }] };
  });
  return server;
}

interface Stand {
  issuer: TestIssuer;
  origin: string;
  close(): Promise<void>;
}

async function startBehindGate(next: (req: GatedIncomingMessage, res: ServerResponse) => unknown): Promise<Stand> {
  const issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
  const gate = createGatehouse({ issuer: issuer.issuer, publicUrl: 'http://localhost:3000' });
  await gate.ready();
  const guard = gatehouseNode(gate);
  const listening = await listenOnLoopback((req, res) => void guard(req, res, () => next(req, res)));
  return {
    issuer,
    origin: listening.origin,
    async close() {
      await listening.close();
      gate.close();
      await issuer.close();
    },
  };
}

function textOf(content: unknown): string {
  return (content as Array<{ text?: string }>)[0]?.text ?? '';
}

describe('sdkOf', () => {
  it('tells SDK v2 servers (McpServer and Server) from SDK v1 ones', () => {
    const info = { name: 'x', version: '1' };
    expect([sdkOf(new McpServer(info)), sdkOf(new Server(info, {})), sdkOf(new McpServerV1(info)), sdkOf({})]).toEqual(['v2', 'v2', 'v1', 'v1']);
  });
});

describe.each([
  ['mcp.node', (mcp: McpHandler) => (req: GatedIncomingMessage, res: ServerResponse) => mcp.node(req, res)],
  // The SDK's own Node adapter: it forwards req.auth as authInfo and req.body as parsedBody to mcp.fetch.
  ["the SDK's toNodeHandler(mcp)", (mcp: McpHandler) => (req: GatedIncomingMessage, res: ServerResponse) => toNodeHandler(mcp)(req, res, req.body)],
])('createMcpHandler with an SDK v2 factory, served by %s behind gatehouseNode', (_name, serveWith) => {
  let stand: Stand;
  let mcp: McpHandler;
  let mcpUrl: string;

  beforeAll(async () => {
    mcp = createMcpHandler(buildServer);
    stand = await startBehindGate(serveWith(mcp));
    mcpUrl = `${stand.origin}/mcp`;
  });
  afterAll(async () => {
    await mcp.close();
    await stand.close();
  });

  it.each([
    ['auto', 'auto', '2026-07-28'],
    ['pinned to 2026-07-28', { pin: '2026-07-28' }, '2026-07-28'],
    ['legacy (its default)', 'legacy', '2025-11-25'],
  ] as const)('serves the SDK v2 client %s, whose tool handler reads the caller from ctx.http.authInfo', async (_mode, mode, version) => {
    const token = await stand.issuer.mint({ sub: 'alice', scope: 'mcp notes:read' });
    const seen = await whoamiViaSdkV2(mcpUrl, token, mode);
    expect(seen.version).toBe(version);
    expect(JSON.parse(textOf(seen.content))).toEqual({ sub: 'alice', clientId: 'test-client', scopes: ['mcp', 'notes:read'] });
    expect(mcp.sdk).toBe('v2');
  });

  it('serves the SDK v1 client through the SDK v2 stateless 2025 fallback', async () => {
    const content = await whoamiViaSdk(mcpUrl, await stand.issuer.mint({ sub: 'bob' }));
    expect(JSON.parse(textOf(content))).toMatchObject({ sub: 'bob' });
  });

  it('hands the factory the verified caller as ctx.authInfo, for both eras', async () => {
    factoryCalls.length = 0;
    await whoamiViaSdkV2(mcpUrl, await stand.issuer.mint({ sub: 'carol' }), 'auto');
    await whoamiViaSdkV2(mcpUrl, await stand.issuer.mint({ sub: 'dave' }), 'legacy');
    expect(factoryCalls.filter((c) => c.era === 'modern').map((c) => c.sub)).toContain('carol');
    expect(factoryCalls.filter((c) => c.era === 'legacy').map((c) => c.sub)).toContain('dave');
    expect(factoryCalls.every((c) => c.sub === 'carol' || c.sub === 'dave')).toBe(true);
  });

  it('turns a scope missing in a handler into a tool error naming it', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${await stand.issuer.mint()}` } } });
    const client = new Client({ name: 'v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(transport);
    const result = await client.callTool({ name: 'write_note', arguments: {} });
    await client.close();
    expect(result.isError).toBe(true);
    expect(textOf(result.content)).toContain('notes:write');
  });

  it('never reaches the server without a valid token', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: 'Bearer not-a-jwt' } } });
    const client = new Client({ name: 'v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    factoryCalls.length = 0;
    await expect(client.connect(transport)).rejects.toThrow();
    await client.close();
    expect(factoryCalls).toEqual([]);
  });
});

describe('createMcpHandler telling the SDKs apart', () => {
  const authInfo = { token: 't', clientId: 'c', scopes: ['mcp'], extra: { sub: 'u' } };
  const list = () =>
    new Request('http://localhost/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });

  it('reads v1 from a v1 factory that uses the AuthInfo it is given, which then gets the AuthInfo itself', async () => {
    const seen: unknown[] = [];
    // Written inline, a v1 factory that uses its argument names its type: TypeScript tries the v2 signature first.
    const mcp = createMcpHandler((auth: AuthInfo | undefined) => {
      seen.push(auth?.extra?.sub);
      return new McpServerV1({ name: 'v1', version: '1' });
    });
    expect((await mcp.fetch(list(), authInfo)).status).toBe(200);
    expect(mcp.sdk).toBe('v1');
    // The probe and the request: the v1 factory read the subject both times.
    expect(seen).toEqual(['u', 'u']);
    await mcp.close();
  });

  it('refuses sessions: stateful for SDK v2 servers: at once when told, with a 500 saying why when detected', async () => {
    expect(() => createMcpHandler(buildServer, { sdk: 'v2', sessions: 'stateful' })).toThrow(ConfigError);
    const mcp = createMcpHandler(buildServer, { sessions: 'stateful' });
    await expect(mcp.fetch(list(), { authInfo })).rejects.toThrow(/SDK v1 servers only/);
    await mcp.close();
  });

  it('skips the probe when told the SDK: the factory runs only for the request', async () => {
    factoryCalls.length = 0;
    const mcp = createMcpHandler(buildServer, { sdk: 'v2' });
    expect((await mcp.fetch(list(), { authInfo })).status).toBe(200);
    expect(factoryCalls).toEqual([{ era: 'legacy', sub: 'u' }]);
    await mcp.close();
  });
});

describe('SDK v1 client against a v2 server', () => {
  it('is the same handler a v1 user already has: mcp.fetch(request, authInfo) still works', async () => {
    const mcp = createMcpHandler(() => whoamiServerV2('v2'));
    const transport = new TransportV1(new URL('http://localhost/mcp'), {
      fetch: (url, init) => mcp.fetch(new Request(url, init), { token: 't', clientId: 'c', scopes: [], extra: { sub: 'erin' } }),
    });
    const client = new ClientV1({ name: 'v1', version: '1' });
    await client.connect(transport);
    const { content } = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    await mcp.close();
    expect(textOf(content)).toBe('erin');
  });
});
