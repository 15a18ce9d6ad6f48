import { createMcpExpressApp } from '@modelcontextprotocol/express';
import { toNodeHandler } from '@modelcontextprotocol/node';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { Gatehouse } from '../../types.js';
import { createMcpHandler, type McpHandler } from '../mcp/index.js';
import { itKeepsTheAdapterContract } from '../../../tests/helpers/adapter-contract.js';
import { listenOnLoopback, whoamiServer, whoamiServerV2, whoamiViaSdk, whoamiViaSdkV2, type LoopbackListener } from '../../../tests/helpers/adapter-kit.js';
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
  const v2 = createMcpHandler(() => whoamiServerV2('express-v2'));
  const v1 = createMcpHandler(() => whoamiServer('express-v1'));

  beforeAll(async () => {
    const app = express();
    if (parser === 'before') app.use(express.json());
    app.use(gatehouseExpress(gate));
    if (parser === 'after') app.use(express.json());
    app.all('/mcp', (req, res, next) => (req.query.sdk === 'v2' ? v2.node(req, res) : req.query.sdk === 'v1' ? v1.node(req, res) : next()));
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
  afterAll(async () => {
    await Promise.all([v1.close(), v2.close()]);
    await listening.close();
  });

  itKeepsTheAdapterContract({
    origin: () => origin,
    issuer: () => issuer,
    lastSeen: () => reached,
    maxBodyBytes: 4 * 1024 * 1024,
    sdkServers: { v2: '?sdk=v2', v1: '?sdk=v1' },
    // express.json() before the gate has read the body (up to its own limit) before the gate sees the request.
    bodyReadBeforeGate: parser === 'before',
  });

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

describe("the SDK's own createMcpExpressApp (JSON parser, DNS-rebinding checks) with gatehouseExpress and toNodeHandler", () => {
  let listening: LoopbackListener;
  let mcp: McpHandler;

  beforeAll(async () => {
    const app = createMcpExpressApp({ host: '127.0.0.1' });
    app.use(gatehouseExpress(gate));
    mcp = createMcpHandler(() => whoamiServerV2('express-sdk-app'));
    const serve = toNodeHandler(mcp);
    // express.json() has drained the stream: the handler gets the parsed body, as the SDK's own examples pass it.
    app.all('/mcp', (req, res) => serve(req, res, req.body));
    listening = await listenOnLoopback(app);
  });
  afterAll(async () => {
    await mcp.close();
    await listening.close();
  });

  it('serves the SDK v2 client pinned to 2026-07-28 and the v1 client; a token-less request still gets the challenge', async () => {
    const pinned = await whoamiViaSdkV2(`${listening.origin}/mcp`, await issuer.mint({ sub: 'gina' }), { pin: '2026-07-28' });
    expect([pinned.version, pinned.content]).toEqual(['2026-07-28', [{ type: 'text', text: 'gina' }]]);
    expect(await whoamiViaSdk(`${listening.origin}/mcp`, await issuer.mint({ sub: 'hal' }))).toEqual([{ type: 'text', text: 'hal' }]);
    const res = await send(`${listening.origin}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });
});
