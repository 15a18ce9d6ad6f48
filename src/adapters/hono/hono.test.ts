import { getRequestListener } from '@hono/node-server';
import { createMcpHonoApp } from '@modelcontextprotocol/hono';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { AuthInfo } from '../../tokens/types.js';
import type { Gatehouse } from '../../types.js';
import { createMcpHandler, type McpHandler } from '../mcp/index.js';
import { itKeepsTheAdapterContract } from '../../../tests/helpers/adapter-contract.js';
import { listenOnLoopback, whoamiServer, whoamiServerV2, whoamiViaSdk, whoamiViaSdkV2, type LoopbackListener } from '../../../tests/helpers/adapter-kit.js';
import { gatehouseHono, type GatehouseEnv } from './index.js';

describe('gatehouseHono', () => {
  let issuer: TestIssuer;
  let gate: Gatehouse;
  let mcp: McpHandler;
  let v2: McpHandler;
  let listening: LoopbackListener;
  let origin: string;
  let reached: { authInfo?: AuthInfo; body?: unknown } = {};

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
    gate = createGatehouse({ issuer: issuer.issuer, publicUrl: 'http://localhost:3000', scopes: { tools: { admin_report: ['mcp:admin'] } } });
    await gate.ready();
    mcp = createMcpHandler(() => whoamiServer('hono-test'));
    v2 = createMcpHandler(() => whoamiServerV2('hono-v2'));
    const app = new Hono<GatehouseEnv>();
    app.use(gatehouseHono(gate, { maxBodyBytes: 64 * 1024 }));
    app.post('/mcp/echo', async (c) => {
      reached = { authInfo: c.get('authInfo'), body: await c.req.json() };
      return c.json({ ok: true });
    });
    // The SDK v2 face: fetch(request, { authInfo }); the v1-era face fetch(request, authInfo) still works.
    app.all('/mcp', (c) => (c.req.query('sdk') === 'v2' ? v2.fetch(c.req.raw, { authInfo: c.get('authInfo') }) : mcp.fetch(c.req.raw, c.get('authInfo'))));
    listening = await listenOnLoopback(getRequestListener(app.fetch));
    origin = listening.origin;
  });
  afterAll(async () => {
    await Promise.all([mcp.close(), v2.close()]);
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
    sdkServers: { v2: '?sdk=v2', v1: '?sdk=v1' },
  });

  it('serves the SDK client through mcp.fetch, whose tool handler sees the subject', async () => {
    const token = await issuer.mint({ sub: 'frank' });
    expect(await whoamiViaSdk(`${origin}/mcp`, token)).toEqual([{ type: 'text', text: 'frank' }]);
  });
});

describe("the SDK's own createMcpHonoApp (JSON parser, DNS-rebinding checks) with gatehouseHono", () => {
  let issuer: TestIssuer;
  let gate: Gatehouse;
  let mcp: McpHandler;
  let listening: LoopbackListener;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
    gate = createGatehouse({ issuer: issuer.issuer, publicUrl: 'http://localhost:3000' });
    await gate.ready();
    mcp = createMcpHandler(() => whoamiServerV2('hono-sdk-app'));
    const app = createMcpHonoApp({ host: '127.0.0.1' });
    app.use(gatehouseHono(gate));
    app.all('/mcp', (c) => {
      // createMcpHonoApp's Hono is untyped: the gate's authInfo and the SDK's parsedBody are both in its context.
      const vars = c as unknown as { get(key: 'authInfo'): AuthInfo; get(key: 'parsedBody'): unknown };
      return mcp.fetch(c.req.raw, { authInfo: vars.get('authInfo'), parsedBody: vars.get('parsedBody') });
    });
    listening = await listenOnLoopback(getRequestListener(app.fetch));
  });
  afterAll(async () => {
    await mcp.close();
    await listening.close();
    gate.close();
    await issuer.close();
  });

  it('serves the SDK v2 client pinned to 2026-07-28 and the v1 client', async () => {
    const pinned = await whoamiViaSdkV2(`${listening.origin}/mcp`, await issuer.mint({ sub: 'ivan' }), { pin: '2026-07-28' });
    expect([pinned.version, pinned.content]).toEqual(['2026-07-28', [{ type: 'text', text: 'ivan' }]]);
    expect(await whoamiViaSdk(`${listening.origin}/mcp`, await issuer.mint({ sub: 'jill' }))).toEqual([{ type: 'text', text: 'jill' }]);
  });
});
