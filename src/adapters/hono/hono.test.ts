import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { AuthInfo } from '../../tokens/types.js';
import type { Gatehouse } from '../../types.js';
import { authInfoOf, createMcpHandler, subjectOf, type McpHandler } from '../mcp/index.js';
import { rawRequest as send } from '../../../tests/helpers/raw-http.js';
import { gatehouseHono, type GatehouseEnv } from './index.js';

const toolCall = (name: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });

describe('gatehouseHono', () => {
  let issuer: TestIssuer;
  let gate: Gatehouse;
  let mcp: McpHandler;
  let server: Server;
  let origin: string;
  let reached: { authInfo?: AuthInfo; body?: unknown } = {};

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
    gate = createGatehouse({ issuer: issuer.issuer, publicUrl: 'http://localhost:3000', scopes: { tools: { admin_report: ['mcp:admin'] } } });
    await gate.ready();
    mcp = createMcpHandler(() => {
      const mcpServer = new McpServer({ name: 'hono-test', version: '1.0.0' });
      mcpServer.registerTool('whoami', { description: 'the caller' }, async (extra) => ({
        content: [{ type: 'text', text: subjectOf(authInfoOf(extra)) ?? '' }],
      }));
      return mcpServer;
    });
    const app = new Hono<GatehouseEnv>();
    app.use(gatehouseHono(gate, { maxBodyBytes: 64 * 1024 }));
    app.post('/mcp/echo', async (c) => {
      // The gate read a copy of the body: the route still reads its own.
      reached = { authInfo: c.get('authInfo'), body: await c.req.json() };
      return c.json({ ok: true });
    });
    app.all('/mcp', (c) => mcp.fetch(c.req.raw, c.get('authInfo')));
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await mcp.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    gate.close();
    await issuer.close();
  });

  it('answers the discovery documents', async () => {
    const res = await send(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ resource: 'http://localhost:3000/mcp', authorization_servers: [issuer.issuer] });
  });

  it('challenges a missing token with 401 and exposes WWW-Authenticate', async () => {
    const res = await send(`${origin}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toolCall('whoami') });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/mcp"');
    expect(res.headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/i);
  });

  it('refuses duplicate Authorization headers with 400', async () => {
    const token = await issuer.mint();
    const res = await send(`${origin}/mcp`, {
      method: 'POST',
      headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`], 'content-type': 'application/json' },
      body: toolCall('whoami'),
    });
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toContain('invalid_request');
  });

  it("puts the verified token in c.get('authInfo') and leaves the body readable", async () => {
    const token = await issuer.mint({ sub: 'erin' });
    const res = await send(`${origin}/mcp/echo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: toolCall('whoami'),
    });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-expose-headers']).toMatch(/Mcp-Session-Id/i);
    expect(reached.authInfo).toMatchObject({ token, extra: { sub: 'erin' } });
    expect(reached.body).toMatchObject({ params: { name: 'whoami' } });
  });

  it('answers 403 insufficient_scope on a tools/call that needs more', async () => {
    const res = await send(`${origin}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await issuer.mint()}`, 'content-type': 'application/json' },
      body: toolCall('admin_report'),
    });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
  });

  it('refuses a body over the cap with 413', async () => {
    const res = await send(`${origin}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await issuer.mint()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(100 * 1024) } }),
    });
    expect(res.status).toBe(413);
  });

  it('serves the SDK client through mcp.fetch, whose tool handler sees the subject', async () => {
    const token = await issuer.mint({ sub: 'frank' });
    const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    const client = new Client({ name: 'hono-test-client', version: '1.0.0' });
    await client.connect(transport);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'frank' }]);
    await client.close();
  });
});
