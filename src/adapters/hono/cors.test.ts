import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { Gatehouse } from '../../types.js';
import { createMcpHandler, type McpHandler } from '../mcp/index.js';
import { listenOnLoopback, toolCall, whoamiServerV2, type LoopbackListener } from '../../../tests/helpers/adapter-kit.js';
import { gatehouseHono, type GatehouseEnv } from './index.js';

/** The CORS headers a browser reads on a response, and its status. */
interface CorsSeen {
  status: number;
  origin: string | null;
  exposed: string | null;
}

function corsOf(res: Response): CorsSeen {
  return { status: res.status, origin: res.headers.get('access-control-allow-origin'), exposed: res.headers.get('access-control-expose-headers') };
}

const GATE_EXPOSED = 'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version';

/**
 * The same Hono app reached two ways: on @hono/node-server over loopback
 * (the Node path, where the response is @hono/node-server's light one and
 * c.env holds the ServerResponse) and through `app.request` (the Web path
 * Bun, Deno and Workers take: no Node objects anywhere). The CORS headers
 * of every gated response and refusal must be the same on both.
 */
describe('gatehouseHono CORS, on @hono/node-server and on the Web path alike', () => {
  let issuer: TestIssuer;
  let gate: Gatehouse;
  let mcp: McpHandler;
  let app: Hono<GatehouseEnv>;
  let listening: LoopbackListener;
  let token: string;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
    gate = createGatehouse({ issuer: issuer.issuer, publicUrl: 'http://localhost:3000', scopes: { tools: { admin_report: ['mcp:admin'] } } });
    await gate.ready();
    token = await issuer.mint({ sub: 'cora' });
    mcp = createMcpHandler(() => whoamiServerV2('hono-cors'));
    app = new Hono<GatehouseEnv>();
    app.use(gatehouseHono(gate));
    app.post('/mcp/plain', (c) => c.json({ ok: true }));
    // The app's own CORS: its origin wins, its exposed headers are kept and the gate's added once each.
    app.post('/mcp/own', () => new Response('{}', { headers: { 'Access-Control-Allow-Origin': 'https://app.example', 'Access-Control-Expose-Headers': 'X-Trace, mcp-session-id' } }));
    app.post('/mcp/c-header', (c) => {
      c.header('Access-Control-Expose-Headers', 'X-Own');
      return c.text('hi');
    });
    app.post('/mcp/stream', () => new Response(new ReadableStream({ start: (s) => (s.enqueue(new TextEncoder().encode('streamed')), s.close()) })));
    // A Response from fetch() has immutable headers: the gate must copy it to add its own.
    app.post('/mcp/fetched', () => fetch(`${issuer.issuer}/jwks`));
    app.post('/mcp', (c) => mcp.fetch(c.req.raw, { authInfo: c.get('authInfo') }));
    listening = await listenOnLoopback(getRequestListener(app.fetch));
  });
  afterAll(async () => {
    await mcp.close();
    await listening.close();
    gate.close();
    await issuer.close();
  });

  async function bothWays(path: string, headers: Record<string, string>, body = toolCall('whoami')): Promise<{ node: CorsSeen; web: CorsSeen; nodeBody: string }> {
    const init = { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body };
    const nodeRes = await fetch(`${listening.origin}${path}`, init);
    const nodeBody = await nodeRes.text();
    const webRes = await app.request(`http://127.0.0.1${path}`, init);
    await webRes.text();
    return { node: corsOf(nodeRes), web: corsOf(webRes), nodeBody };
  }

  it.each([
    ['a route of the app', '/mcp/plain', '*', GATE_EXPOSED],
    ['a route setting its own origin and exposed headers', '/mcp/own', 'https://app.example', `X-Trace, mcp-session-id, WWW-Authenticate, MCP-Protocol-Version`],
    ['a route exposing a header through c.header', '/mcp/c-header', '*', `X-Own, ${GATE_EXPOSED}`],
    ['a streamed body', '/mcp/stream', '*', GATE_EXPOSED],
    ['a fetched Response (immutable headers)', '/mcp/fetched', '*', GATE_EXPOSED],
    ['the SDK v2 server', '/mcp', '*', GATE_EXPOSED],
  ])('a gated response from %s carries the same CORS headers on both paths', async (_what, path, origin, exposed) => {
    const { node, web } = await bothWays(path, { authorization: `Bearer ${token}` });
    expect(node).toEqual({ status: 200, origin, exposed });
    expect(web).toEqual(node);
  });

  it('keeps the body of each gated response as the route answered it', async () => {
    expect((await bothWays('/mcp/stream', { authorization: `Bearer ${token}` })).nodeBody).toBe('streamed');
    // The SDK answers as an SSE event here (the client accepts both): the tool's answer is in it.
    expect((await bothWays('/mcp', { authorization: `Bearer ${token}` })).nodeBody).toContain('"content":[{"type":"text","text":"cora"}]');
  });

  it.each([
    ['no token', {}, 401],
    ['a malformed token', { authorization: 'Bearer not-a-jwt' }, 401],
  ])('a refusal for %s carries the same CORS headers on both paths', async (_what, headers, status) => {
    const { node, web } = await bothWays('/mcp/own', headers);
    expect(node).toEqual({ status, origin: '*', exposed: GATE_EXPOSED });
    expect(web).toEqual(node);
  });

  it('a 403 for a tool that needs more scope, and a 413 for a body over the cap, carry them on both paths too', async () => {
    const scoped = await bothWays('/mcp', { authorization: `Bearer ${token}` }, toolCall('admin_report'));
    expect(scoped.node).toEqual({ status: 403, origin: '*', exposed: GATE_EXPOSED });
    expect(scoped.web).toEqual(scoped.node);
    const tooLarge = await bothWays('/mcp', { authorization: `Bearer ${token}` }, JSON.stringify({ pad: 'x'.repeat(4 * 1024 * 1024) }));
    expect(tooLarge.node).toEqual({ status: 413, origin: '*', exposed: GATE_EXPOSED });
    expect(tooLarge.web).toEqual(tooLarge.node);
  });
});
