import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { AuthInfo } from '../../tokens/types.js';
import type { Gatehouse } from '../../types.js';
import { createMcpHandler, type McpHandler } from '../mcp/index.js';
import { itKeepsTheAdapterContract } from '../../../tests/helpers/adapter-contract.js';
import { listenOnLoopback, whoamiServer, whoamiViaSdk, type LoopbackListener } from '../../../tests/helpers/adapter-kit.js';
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

  itKeepsTheAdapterContract({
    origin: () => origin,
    issuer: () => issuer,
    // /mcp itself is the SDK's; /mcp/echo shows what the route got. The gate read a copy of the body: the route still reads its own.
    passPath: '/mcp/echo',
    lastSeen: () => ({ auth: reached.authInfo, body: reached.body }),
    maxBodyBytes: 64 * 1024,
  });

  it('serves the SDK client through mcp.fetch, whose tool handler sees the subject', async () => {
    const token = await issuer.mint({ sub: 'frank' });
    expect(await whoamiViaSdk(`${origin}/mcp`, token)).toEqual([{ type: 'text', text: 'frank' }]);
  });
});
