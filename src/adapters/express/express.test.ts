import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { Gatehouse } from '../../types.js';
import type { McpHandler } from '../mcp/index.js';
import { itReadsTheBodyOnlyAfterTheToken, listenOnLoopback, postToolCall, toolCall, whoamiServer, whoamiViaSdk, type LoopbackListener } from '../../../tests/helpers/adapter-kit.js';
import { rawRequest as send } from '../../../tests/helpers/raw-http.js';
import { gatehouseExpress, mountMcp } from './index.js';

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
  let listening: LoopbackListener;
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
    listening = await listenOnLoopback(app);
    origin = listening.origin;
  });
  afterAll(() => listening.close());

  it('answers the discovery documents', async () => {
    const res = await send(`${origin}/.well-known/oauth-protected-resource`);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(res.body).resource).toBe('http://localhost:3000/mcp');
  });

  it('challenges a missing token with 401 and exposes WWW-Authenticate', async () => {
    const res = await postToolCall(`${origin}/mcp`, 'whoami');
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
    const res = await postToolCall(`${origin}/mcp`, 'whoami', token);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-expose-headers']).toMatch(/Mcp-Session-Id/i);
    expect(reached.auth).toMatchObject({ token, extra: { sub: 'carol' } });
    expect(reached.body).toMatchObject({ method: 'tools/call', params: { name: 'whoami' } });
  });

  it('answers 403 insufficient_scope on a tools/call that needs more', async () => {
    const res = await postToolCall(`${origin}/mcp`, 'admin_report', await issuer.mint());
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="mcp mcp:admin"');
  });

  // express.json() before the gate has read the body (up to its own limit) before the gate sees the request.
  if (parser !== 'before') itReadsTheBodyOnlyAfterTheToken({ url: () => `${origin}/mcp`, mint: () => issuer.mint(), maxBodyBytes: 4 * 1024 * 1024 });

  it("leaves other routes' bodies to the app", async () => {
    const res = await send(`${origin}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":"world"}' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ body: parser === 'none' ? null : { hello: 'world' } });
  });
});

describe('mountMcp', () => {
  let listening: LoopbackListener;
  let mcp: McpHandler;

  beforeAll(async () => {
    const app = express();
    mcp = mountMcp(app, gate, () => whoamiServer('express-test'));
    listening = await listenOnLoopback(app);
  });
  afterAll(async () => {
    await mcp.close();
    await listening.close();
  });

  it('serves the SDK client, whose tool handler sees the token subject', async () => {
    const token = await issuer.mint({ sub: 'dave' });
    expect(await whoamiViaSdk(`${listening.origin}/mcp`, token)).toEqual([{ type: 'text', text: 'dave' }]);
  });
});
