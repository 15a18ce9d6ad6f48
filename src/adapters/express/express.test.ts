import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { Gatehouse } from '../../types.js';
import { authInfoOf, subjectOf, type McpHandler } from '../mcp/index.js';
import { rawRequest as send } from '../../../tests/helpers/raw-http.js';
import { gatehouseExpress, mountMcp } from './index.js';

function listen(app: express.Express): Promise<{ server: Server; origin: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const toolCall = (name: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });

let issuer: TestIssuer;
let gate: Gatehouse;

beforeAll(async () => {
  issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
  gate = createGatehouse({ issuer: issuer.issuer, publicUrl: 'http://localhost:3000', scopes: { tools: { admin_report: ['mcp:admin'] } } });
  await gate.ready();
});
afterAll(async () => {
  gate.close();
  await issuer.close();
});

/** Where express.json() runs: not at all, before the gate, or after it. */
describe.each(['none', 'before', 'after'] as const)('gatehouseExpress with express.json() %s', (parser) => {
  let server: Server;
  let origin: string;
  let reached: { auth?: unknown; body?: unknown } = {};

  beforeAll(async () => {
    const app = express();
    if (parser === 'before') app.use(express.json());
    app.use(gatehouseExpress(gate));
    if (parser === 'after') app.use(express.json());
    app.post('/mcp', (req, res) => {
      reached = { auth: req.auth, body: req.body };
      res.json({ ok: true });
    });
    app.post('/echo', (req, res) => {
      res.json({ body: req.body ?? null });
    });
    ({ server, origin } = await listen(app));
  });
  afterAll(() => close(server));

  it('answers the discovery documents', async () => {
    const res = await send(`${origin}/.well-known/oauth-protected-resource`);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(res.body).resource).toBe('http://localhost:3000/mcp');
  });

  it('challenges a missing token with 401 and exposes WWW-Authenticate', async () => {
    const res = await send(`${origin}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toolCall('whoami') });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer resource_metadata="http:\/\/localhost:3000\/\.well-known\/oauth-protected-resource\/mcp"/);
    expect(res.headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/i);
  });

  it('refuses duplicate Authorization headers with 400', async () => {
    const token = await issuer.mint();
    const res = await send(`${origin}/mcp`, {
      method: 'POST',
      headers: { authorization: [`Bearer ${token}`, 'Bearer other'], 'content-type': 'application/json' },
      body: toolCall('whoami'),
    });
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toContain('invalid_request');
  });

  it('sets req.auth and keeps the body for the route', async () => {
    const token = await issuer.mint({ sub: 'carol' });
    const res = await send(`${origin}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: toolCall('whoami'),
    });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-expose-headers']).toMatch(/Mcp-Session-Id/i);
    expect(reached.auth).toMatchObject({ token, extra: { sub: 'carol' } });
    expect(reached.body).toMatchObject({ method: 'tools/call', params: { name: 'whoami' } });
  });

  it('answers 403 insufficient_scope on a tools/call that needs more', async () => {
    const res = await send(`${origin}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await issuer.mint()}`, 'content-type': 'application/json' },
      body: toolCall('admin_report'),
    });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="mcp mcp:admin"');
  });

  it("leaves other routes' bodies to the app", async () => {
    const res = await send(`${origin}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":"world"}' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ body: parser === 'none' ? null : { hello: 'world' } });
  });
});

describe('mountMcp', () => {
  let server: Server;
  let mcpUrl: string;
  let mcp: McpHandler;

  beforeAll(async () => {
    const app = express();
    mcp = mountMcp(app, gate, () => {
      const mcpServer = new McpServer({ name: 'express-test', version: '1.0.0' });
      mcpServer.registerTool('whoami', { description: 'the caller' }, async (extra) => ({
        content: [{ type: 'text', text: subjectOf(authInfoOf(extra)) ?? '' }],
      }));
      return mcpServer;
    });
    const started = await listen(app);
    server = started.server;
    mcpUrl = `${started.origin}/mcp`;
  });
  afterAll(async () => {
    await mcp.close();
    await close(server);
  });

  it('serves the SDK client, whose tool handler sees the token subject', async () => {
    const token = await issuer.mint({ sub: 'dave' });
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    const client = new Client({ name: 'express-test-client', version: '1.0.0' });
    await client.connect(transport);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'dave' }]);
    await client.close();
  });
});
