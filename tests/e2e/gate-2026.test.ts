/**
 * The gate on MCP 2026-07-28 requests, over real HTTP: tokens from a real
 * (test) issuer, the SDK v2 server (`createMcpHandler`) behind `gate.fetch`,
 * and the official clients, v2 (pinned to 2026-07-28, and `auto`) and v1.
 *
 * - every header/body disagreement is 400 with JSON-RPC error -32020 (the
 *   request id echoed), and the server never sees it;
 * - a modern `tools/call`, `resources/read` or `prompts/get` without
 *   `Mcp-Name` is 400;
 * - per-tool, per-resource and per-prompt scopes are 403 naming every
 *   scope the request needs, and a scope that implies them (SEP-2350) passes;
 * - `server/discover` without a token is the 401 challenge the v2 client
 *   signs in from.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWebRequest, writeWebResponse } from '../../src/adapters/node/index.js';
import { createGatehouse, type GatehouseInstance } from '../../src/gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { v2McpServer } from '../helpers/v2-mcp-server.js';

const AUDIENCE = 'urn:gatehouse:gate-2026-test';
const VERSION = '2026-07-28';
const ALL = 'mcp:tools files:write files:secret prompts:review';

interface Parts {
  issuer: TestIssuer;
  gate: GatehouseInstance;
  server: Server;
  url: string;
  /** Requests that reached the MCP server, as `method name`. */
  reached: string[];
}

const parts = {} as Parts;

beforeAll(async () => {
  parts.issuer = await startTestIssuer({ audience: AUDIENCE });
  parts.reached = [];
  const handler = createMcpHandler(() => v2McpServer());
  let origin = '';
  parts.server = createServer((req, res) => {
    void parts.gate
      .fetch(toWebRequest(req, { origin }), async (request, authInfo) => {
        if (!authInfo) return new Response('not found', { status: 404 });
        const body = (await request.clone().json().catch(() => undefined)) as { method?: string; params?: { name?: string; uri?: string } } | undefined;
        parts.reached.push(`${body?.method} ${body?.params?.name ?? body?.params?.uri ?? ''}`.trim());
        return handler.fetch(request, { authInfo: { ...authInfo, extra: { ...authInfo.extra } } });
      })
      .then((response) => writeWebResponse(res, response))
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => parts.server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(parts.server.address() as AddressInfo).port}`;
  const gate = createGatehouse({
    issuer: parts.issuer.issuer,
    publicUrl: origin,
    audience: AUDIENCE,
    scopes: {
      required: ['mcp:tools'],
      tools: { delete_file: ['files:write'], deploy: ['deploy'] },
      resources: { 'file:///secret/*': ['files:secret'] },
      prompts: { review: ['prompts:review'] },
      implies: { 'mcp:admin': ['mcp:tools', 'files:write', 'files:secret', 'prompts:review'] },
    },
  });
  await gate.ready();
  parts.gate = gate;
  parts.url = `${origin}/mcp`;
});

afterAll(async () => {
  parts.gate?.close();
  parts.server?.closeAllConnections();
  await new Promise<void>((resolve) => parts.server?.close(() => resolve()));
  await parts.issuer?.close();
});

const token = (scope: string, sub = 'ana') => parts.issuer.mint({ sub, scope, client_id: 'gate-2026-client' });

const envelope = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
const modern = (method: string, params: Record<string, unknown> = {}, id: number | string = 11) => ({ jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope } });

async function post(body: unknown, headers: Record<string, string>, bearer?: string): Promise<{ status: number; json: Record<string, unknown> | undefined; challenge: string | null }> {
  const response = await fetch(parts.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, challenge: response.headers.get('www-authenticate') };
}

const h = (method: string, name?: string, version = VERSION) => ({ 'mcp-protocol-version': version, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) });

describe('header/body disagreements on 2026-07-28 requests', () => {
  const rows: [string, unknown, Record<string, string>, RegExp][] = [
    ['Mcp-Method names another method', modern('tools/call', { name: 'delete_file', arguments: { path: '/x' } }), h('tools/list', 'delete_file'), /Mcp-Method header names "tools\/list"/],
    ['Mcp-Name names another tool', modern('tools/call', { name: 'delete_file', arguments: { path: '/x' } }), h('tools/call', 'search'), /Mcp-Name header names "search" but the body's params.name is "delete_file"/],
    ['Mcp-Name names another resource', modern('resources/read', { uri: 'file:///secret/key' }), h('resources/read', 'file:///public/readme'), /params.uri is "file:\/\/\/secret\/key"/],
    ['Mcp-Name names another prompt', modern('prompts/get', { name: 'review' }), h('prompts/get', 'hello'), /params.name is "review"/],
    ['MCP-Protocol-Version names another revision than _meta', modern('tools/list'), h('tools/list', undefined, '2025-11-25'), /MCP-Protocol-Version header names "2025-11-25"/],
    ['a modern version header on a body without _meta', { jsonrpc: '2.0', id: 11, method: 'tools/list', params: {} }, h('tools/list'), /_meta names no protocol version/],
    ['Mcp-Name in Base64 of a look-alike', modern('tools/call', { name: 'search', arguments: { q: 'x' } }), h('tools/call', `=?base64?${Buffer.from('sеarch').toString('base64')}?=`), /Mcp-Name/],
    ['Mcp-Name that is not valid Base64', modern('tools/call', { name: 'search', arguments: { q: 'x' } }), h('tools/call', '=?base64?***?='), /not valid =\?base64/],
    ['a modern tools/call without Mcp-Name', modern('tools/call', { name: 'search', arguments: { q: 'x' } }), h('tools/call'), /Mcp-Name header is missing/],
    ['a modern resources/read without Mcp-Name', modern('resources/read', { uri: 'file:///public/readme' }), h('resources/read'), /Mcp-Name header is missing/],
    ['a modern prompts/get without Mcp-Name', modern('prompts/get', { name: 'hello' }), h('prompts/get'), /Mcp-Name header is missing/],
    ['a modern request without Mcp-Method', modern('tools/list'), { 'mcp-protocol-version': VERSION }, /Mcp-Method header is missing/],
    ['a batch carrying Mcp-Method', [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }], { 'mcp-method': 'tools/list' }, /batch/],
    ['a legacy request whose Mcp-Name lies', { jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'delete_file', arguments: { path: '/x' } } }, { 'mcp-name': 'search' }, /Mcp-Name header names "search"/],
  ];

  it.each(rows)('%s: 400, -32020, the request id, and the server never sees it', async (_label, body, headers, message) => {
    const before = parts.reached.length;
    // The admin token has every scope: only the disagreement can refuse it.
    const result = await post(body, headers, await token('mcp:admin'));
    expect(result.status).toBe(400);
    expect(result.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32020, message: expect.stringMatching(message) } });
    if (!Array.isArray(body)) expect(result.json?.['id']).toBe(11);
    expect(result.challenge).toBeNull();
    expect(parts.reached.length).toBe(before);
  });

  it('passes agreeing headers, and a legacy request with none', async () => {
    const bearer = await token('mcp:admin');
    const agreeing = await post(modern('tools/call', { name: 'search', arguments: { q: 'x' } }), h('tools/call', 'search'), bearer);
    expect(agreeing.status).toBe(200);
    const legacy = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, {}, bearer);
    expect(legacy.status).toBe(200);
  });
});

describe('per-name scopes and hierarchies on 2026-07-28 requests', () => {
  it.each([
    ['a tool', modern('tools/call', { name: 'delete_file', arguments: { path: '/x' } }), h('tools/call', 'delete_file'), 'Tool delete_file needs the scope(s) files:write', 'mcp:tools files:write'],
    ['a resource', modern('resources/read', { uri: 'file:///secret/key' }), h('resources/read', 'file:///secret/key'), 'Resource file:///secret/key needs the scope(s) files:secret', 'mcp:tools files:secret'],
    ['a resource spelt around its pattern', modern('resources/read', { uri: 'file:///public/../secret/key' }), h('resources/read', 'file:///public/../secret/key'), 'needs the scope(s) files:secret', 'mcp:tools files:secret'],
    ['a prompt', modern('prompts/get', { name: 'review' }), h('prompts/get', 'review'), 'Prompt review needs the scope(s) prompts:review', 'mcp:tools prompts:review'],
  ])('%s with scopes the token lacks: 403 naming every scope the request needs', async (_label, body, headers, description, scopes) => {
    const result = await post(body, headers, await token('mcp:tools'));
    expect(result.status).toBe(403);
    expect(result.challenge).toContain(`scope="${scopes}", error="insufficient_scope"`);
    expect(result.challenge).toContain(description);
  });

  it('lets a token whose scope implies the needed ones through (SEP-2350)', async () => {
    const bearer = await token('mcp:admin');
    for (const [body, headers] of [
      [modern('tools/call', { name: 'delete_file', arguments: { path: '/x' } }), h('tools/call', 'delete_file')],
      [modern('resources/read', { uri: 'file:///secret/key' }), h('resources/read', 'file:///secret/key')],
      [modern('prompts/get', { name: 'review' }), h('prompts/get', 'review')],
    ] as const) {
      expect((await post(body, headers, bearer)).status).toBe(200);
    }
  });

  it('names, in the one 403, the implying scope the token has rather than everything it implies (SEP-2350)', async () => {
    const result = await post(modern('tools/call', { name: 'deploy', arguments: {} }), h('tools/call', 'deploy'), await token('mcp:admin'));
    expect(result.status).toBe(403);
    expect(result.challenge).toContain('scope="mcp:admin deploy", error="insufficient_scope"');
  });

  it('without the required scope, names the required one (and keeps what the token had)', async () => {
    const result = await post(modern('tools/list'), h('tools/list'), await token('profile'));
    expect(result.status).toBe(403);
    expect(result.challenge).toContain('scope="mcp:tools profile"');
  });
});

describe('server/discover', () => {
  it('is protected like any other method: without a token, the 401 challenge', async () => {
    const result = await post(modern('server/discover'), h('server/discover'));
    expect(result.status).toBe(401);
    expect(result.challenge).toMatch(/^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp", scope="mcp:tools"$/);
  });

  it('answers with a token', async () => {
    const result = await post(modern('server/discover'), h('server/discover'), await token('mcp:tools'));
    expect(result.status).toBe(200);
  });
});

describe('the official clients through the gate', () => {
  for (const mode of [{ pin: VERSION }, 'auto'] as const) {
    it(`the SDK v2 client (${typeof mode === 'string' ? mode : `pin ${mode.pin}`}) speaks 2026-07-28 and calls tools, resources and prompts`, async () => {
      const bearer = await token(ALL, 'bo');
      const client = new ClientV2({ name: 'gate-2026-v2', version: '1.0.0' }, { versionNegotiation: { mode } });
      await client.connect(new TransportV2(new URL(parts.url), { authProvider: { token: async () => bearer } }));
      expect(client.getNegotiatedProtocolVersion()).toBe(VERSION);
      const searched = await client.callTool({ name: 'search', arguments: { q: 'docs' } });
      expect(searched.content).toEqual([{ type: 'text', text: 'search docs for bo' }]);
      const deleted = await client.callTool({ name: 'delete_file', arguments: { path: '/tmp/x' } });
      expect(deleted.content).toEqual([{ type: 'text', text: 'deleted /tmp/x' }]);
      const secret = await client.readResource({ uri: 'file:///secret/key' });
      expect(secret.contents[0]).toMatchObject({ text: 'the secret' });
      const prompt = await client.getPrompt({ name: 'review' });
      expect(prompt.messages[0]?.content).toMatchObject({ text: 'review this' });
      await client.close();
    });
  }

  it('the SDK v2 client pinned to 2026-07-28 is refused a tool its token lacks the scope for', async () => {
    const bearer = await token('mcp:tools', 'cy');
    const client = new ClientV2({ name: 'gate-2026-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: VERSION } } });
    await client.connect(new TransportV2(new URL(parts.url), { authProvider: { token: async () => bearer } }));
    await expect(client.callTool({ name: 'delete_file', arguments: { path: '/x' } })).rejects.toThrow();
    await client.close();
  });

  it('the v1 client (2025, stateless fallback) calls tools', async () => {
    const bearer = await token(ALL, 'di');
    const client = new ClientV1({ name: 'gate-2026-v1', version: '1.0.0' });
    await client.connect(new TransportV1(new URL(parts.url), { requestInit: { headers: { authorization: `Bearer ${bearer}` } } }));
    const result = await client.callTool({ name: 'search', arguments: { q: 'v1' } });
    expect(result.content).toEqual([{ type: 'text', text: 'search v1 for di' }]);
    await client.close();
  });
});
