import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { Gatehouse } from '../../types.js';
import type { McpHandler } from '../mcp/index.js';
import { itKeepsTheAdapterContract } from '../../../tests/helpers/adapter-contract.js';
import { listenOnLoopback, whoamiServer, whoamiViaSdk, type LoopbackListener } from '../../../tests/helpers/adapter-kit.js';
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

  itKeepsTheAdapterContract({
    origin: () => origin,
    issuer: () => issuer,
    lastSeen: () => reached,
    maxBodyBytes: 4 * 1024 * 1024,
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
