import type { ServerResponse } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsufficientScopeError } from '../../errors.js';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { Gatehouse } from '../../types.js';
import { gatehouseNode, type GatedIncomingMessage } from '../node/index.js';
import { listenOnLoopback } from '../../../tests/helpers/adapter-kit.js';
import { expectSessionCap } from '../../../tests/proxy/harness.js';
import { authInfoOf, createMcpHandler, requireScopes, subjectOf, type McpHandler } from './index.js';

function buildServer(): McpServer {
  const server = new McpServer({ name: 'glue-test', version: '1.0.0' });
  server.registerTool('whoami', { description: 'the caller' }, async (extra) => {
    const auth = authInfoOf(extra);
    return { content: [{ type: 'text', text: JSON.stringify({ sub: subjectOf(auth), clientId: auth.clientId, scopes: auth.scopes }) }] };
  });
  server.registerTool('write_note', { description: 'needs notes:write, checked in the handler' }, async (extra) => {
    requireScopes(extra, 'notes:write');
    return { content: [{ type: 'text', text: 'written' }] };
  });
  return server;
}

/** What {@link startBehindGate} started; `close` stops all of it. */
interface GatedStand {
  issuer: TestIssuer;
  origin: string;
  close(): Promise<void>;
}

/** A test issuer, a gate for `http://localhost:3000/mcp`, and `next` behind `gatehouseNode` on a loopback port. */
async function startBehindGate(next: (req: GatedIncomingMessage, res: ServerResponse) => unknown): Promise<GatedStand> {
  const issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
  const gate: Gatehouse = createGatehouse({ issuer: issuer.issuer, publicUrl: 'http://localhost:3000' });
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

async function connect(url: string, token: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const content = result.content as Array<{ type: string; text?: string }>;
  return content[0]?.text ?? '';
}

describe('authInfoOf / requireScopes', () => {
  const auth = { token: 't', clientId: 'c', scopes: ['a', 'b'], extra: { sub: 'u' } };

  it('returns the caller, or says the tool is not behind the gate', () => {
    expect(authInfoOf({ authInfo: auth })).toBe(auth);
    expect(() => authInfoOf({})).toThrow(/behind the Gatehouse gate/);
  });

  it('names the missing scopes', () => {
    expect(requireScopes({ authInfo: auth }, 'a')).toBe(auth);
    const err = (() => {
      try {
        requireScopes({ authInfo: auth }, 'a', 'c');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InsufficientScopeError);
    expect((err as InsufficientScopeError).scopes).toEqual(['a', 'c']);
    expect((err as Error).message).toContain('c');
  });
});

describe.each(['stateless', 'stateful'] as const)('createMcpHandler (%s) behind gatehouseNode', (sessions) => {
  let stand: GatedStand;
  let issuer: TestIssuer;
  let mcp: McpHandler;
  let mcpUrl: string;

  beforeAll(async () => {
    mcp = createMcpHandler(buildServer, { sessions });
    stand = await startBehindGate((req, res) => mcp.node(req, res));
    ({ issuer } = stand);
    mcpUrl = `${stand.origin}/mcp`;
  });
  afterAll(async () => {
    await mcp.close();
    await stand.close();
  });

  it('lets the official SDK client call whoami and see its own subject', async () => {
    const { client } = await connect(mcpUrl, await issuer.mint({ sub: 'alice', scope: 'mcp notes:read' }));
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.parse(textOf(result))).toEqual({ sub: 'alice', clientId: 'test-client', scopes: ['mcp', 'notes:read'] });
    await client.close();
  });

  it('turns a scope missing in a handler into a tool error naming it', async () => {
    const { client } = await connect(mcpUrl, await issuer.mint({ scope: 'mcp' }));
    const result = await client.callTool({ name: 'write_note', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('notes:write');
    await client.close();
  });

  it('never reaches the MCP server without a valid token', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: 'Bearer not-a-jwt' } } });
    const client = new Client({ name: 'test-client', version: '1.0.0' });
    await expect(client.connect(transport)).rejects.toThrow();
    await client.close();
  });
});

describe('createMcpHandler sessions', () => {
  let stand: GatedStand;
  let issuer: TestIssuer;
  let mcp: McpHandler;
  let mcpUrl: string;

  beforeAll(async () => {
    mcp = createMcpHandler(buildServer, { sessions: 'stateful' });
    stand = await startBehindGate((req, res) => mcp.node(req, res));
    ({ issuer } = stand);
    mcpUrl = `${stand.origin}/mcp`;
  });
  afterAll(async () => {
    await mcp.close();
    await stand.close();
  });

  it("answers another caller's session id exactly like an unknown one", async () => {
    const { client, transport } = await connect(mcpUrl, await issuer.mint({ sub: 'alice' }));
    const sessionId = transport.sessionId;
    expect(sessionId).toBeTruthy();
    expect(mcp.sessionCount).toBe(1);
    const mallory = await issuer.mint({ sub: 'mallory' });
    const res = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${mallory}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId!,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { message: 'Session not found' } });
    await transport.terminateSession();
    await client.close();
    expect(mcp.sessionCount).toBe(0);
  });

  it('refuses a request without a session id that is not an initialize', async () => {
    const res = await fetch(mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${await issuer.mint()}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(400);
  });
});

describe('createMcpHandler stateful sessions per user', () => {
  let stand: GatedStand;
  let mcp: McpHandler;

  beforeAll(async () => {
    mcp = createMcpHandler(buildServer, { sessions: 'stateful', maxSessionsPerUser: 2 });
    stand = await startBehindGate((req, res) => mcp.node(req, res));
  });
  afterAll(async () => {
    await mcp.close();
    await stand.close();
  });

  it('caps the sessions one user holds (429 beyond), leaving other users and freed places alone', async () => {
    const [alice, bob] = await Promise.all([stand.issuer.mint({ sub: 'alice' }), stand.issuer.mint({ sub: 'bob' })]);
    await expectSessionCap({ mcpUrl: `${stand.origin}/mcp`, cap: 2, alice: { token: alice, held: 0 }, bob });
    expect(mcp.sessionCount).toBe(3);
  });
});

describe('createMcpHandler.fetch given an unread body', () => {
  it('reads it within the 4 MiB cap and answers 413 beyond, declared or streamed', async () => {
    const mcp = createMcpHandler(buildServer, { sessions: 'stateful' });
    const authInfo = { token: 't', clientId: 'c', scopes: ['mcp'], extra: { sub: 'u' } };
    const big = new TextEncoder().encode(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { pad: ' '.repeat(5 * 1024 * 1024) } }));
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < big.length; at += 64 * 1024) controller.enqueue(big.subarray(at, at + 64 * 1024));
        controller.close();
      },
    });
    const declared = new Request('http://localhost/mcp', { method: 'POST', headers, body: big });
    const chunked = new Request('http://localhost/mcp', { method: 'POST', headers, body: streamed, duplex: 'half' } as RequestInit);
    const statuses = [(await mcp.fetch(declared, authInfo)).status, (await mcp.fetch(chunked, authInfo)).status];
    expect(statuses).toEqual([413, 413]);
    expect(mcp.sessionCount).toBe(0);
    await mcp.close();
  });
});

describe('createMcpHandler without the gate', () => {
  it('refuses to serve anyone unless allowAnonymous is set', async () => {
    const closed = createMcpHandler(buildServer);
    const request = new Request('http://localhost/mcp', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    const res = await closed.fetch(request);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('mount the Gatehouse middleware');
  });
});

describe("the SDK's own StreamableHTTPServerTransport behind gatehouseNode", () => {
  let stand: GatedStand;
  let issuer: TestIssuer;
  let origin: string;

  beforeAll(async () => {
    stand = await startBehindGate(async function sdkTransport(gated, res) {
      const mcpServer = buildServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => void mcpServer.close());
      await mcpServer.connect(transport);
      // `/mcp?nobody` hands the transport no parsed body: it must rebuild it from req.rawBody.
      await transport.handleRequest(gated, res, gated.url?.includes('nobody') ? undefined : gated.body);
    });
    ({ issuer, origin } = stand);
  });
  afterAll(() => stand.close());

  it.each(['/mcp', '/mcp?nobody'])('reads req.auth and the body the gate already read (%s)', async (path) => {
    const res = await fetch(`${origin}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await issuer.mint({ sub: 'bob' })}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { content: Array<{ text: string }> } };
    expect(JSON.parse(body.result.content[0]!.text)).toMatchObject({ sub: 'bob', clientId: 'test-client' });
  });
});
