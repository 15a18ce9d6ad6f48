import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { AuthInfo } from '../../tokens/types.js';
import type { Gatehouse } from '../../types.js';
import { createMcpHandler, type McpHandler } from '../mcp/index.js';
import { itReadsTheBodyOnlyAfterTheToken, listenOnLoopback, postToolCall, toolCall, whoamiServer, whoamiViaSdk, type LoopbackListener } from '../../../tests/helpers/adapter-kit.js';
import { rawRequest as send } from '../../../tests/helpers/raw-http.js';
import { gatehouseHono, type GatehouseEnv } from './index.js';

describe('gatehouseHono', () => {
  let issuer: TestIssuer;
  let gate: Gatehouse;
  let mcp: McpHandler;
  let listening: LoopbackListener;
  let origin: string;
  let reached: { authInfo?: AuthInfo; body?: unknown } = {};

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
    gate = createGatehouse({ issuer: issuer.issuer, publicUrl: 'http://localhost:3000', scopes: { tools: { admin_report: ['mcp:admin'] } } });
    await gate.ready();
    mcp = createMcpHandler(() => whoamiServer('hono-test'));
    const app = new Hono<GatehouseEnv>();
    app.use(gatehouseHono(gate, { maxBodyBytes: 64 * 1024 }));
    app.post('/mcp/echo', async (c) => {
      // The gate read a copy of the body: the route still reads its own.
      reached = { authInfo: c.get('authInfo'), body: await c.req.json() };
      return c.json({ ok: true });
    });
    app.all('/mcp', (c) => mcp.fetch(c.req.raw, c.get('authInfo')));
    listening = await listenOnLoopback(getRequestListener(app.fetch));
    origin = listening.origin;
  });
  afterAll(async () => {
    await mcp.close();
    await listening.close();
    gate.close();
    await issuer.close();
  });

  it('answers the discovery documents', async () => {
    const res = await send(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ resource: 'http://localhost:3000/mcp', authorization_servers: [issuer.issuer] });
  });

  it('challenges a missing token with 401 and exposes WWW-Authenticate', async () => {
    const res = await postToolCall(`${origin}/mcp`, 'whoami');
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
    const res = await postToolCall(`${origin}/mcp`, 'admin_report', await issuer.mint());
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

  itReadsTheBodyOnlyAfterTheToken({ url: () => `${origin}/mcp`, mint: () => issuer.mint(), maxBodyBytes: 64 * 1024 });

  it('serves the SDK client through mcp.fetch, whose tool handler sees the subject', async () => {
    const token = await issuer.mint({ sub: 'frank' });
    expect(await whoamiViaSdk(`${origin}/mcp`, token)).toEqual([{ type: 'text', text: 'frank' }]);
  });
});
