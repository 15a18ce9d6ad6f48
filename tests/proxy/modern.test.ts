/**
 * `gatehouse proxy` and MCP 2026-07-28, in front of an SDK v2 upstream
 * (`createMcpHandler`), tokens from an existing (test) issuer:
 *
 * - modern requests pass stateless, each with the identity assertion; no
 *   session is bound (binding is for the legacy era's `Mcp-Session-Id`);
 * - the standard headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`,
 *   Base64 form included) reach the upstream exactly as the client sent them;
 * - a header/body disagreement is refused at the proxy (400, -32020) by the
 *   gate's own check, and the upstream never sees it, even with no per-name
 *   scopes configured;
 * - the SDK v2 client (pinned, and `auto`) and the v1 client call tools.
 */
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { tempStateDir } from '../e2e/authority-harness.js';
import { startV2Upstream, type V2Upstream } from '../helpers/v2-mcp-server.js';
import { startTestProxy, type TestProxy } from './harness.js';

const AUDIENCE = 'urn:gatehouse:proxy-modern-test';
const VERSION = '2026-07-28';

const parts = {} as { issuer: TestIssuer; upstream: V2Upstream; proxy: TestProxy; state: ReturnType<typeof tempStateDir> };

beforeAll(async () => {
  parts.state = tempStateDir();
  parts.issuer = await startTestIssuer({ audience: AUDIENCE });
  parts.upstream = await startV2Upstream();
  parts.proxy = await startTestProxy(
    { upstream: parts.upstream.url },
    { layers: { issuer: parts.issuer.issuer, audience: AUDIENCE, scopes: { required: ['mcp'] }, authority: { stateDir: parts.state.path, store: 'memory' } } },
  );
});

afterAll(async () => {
  await parts.proxy?.stop();
  await parts.upstream?.close();
  await parts.issuer?.close();
  parts.state?.remove();
});

const token = (sub: string) => parts.issuer.mint({ sub, scope: 'mcp', client_id: `${sub}-client` });
const envelope = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };

async function raw(body: unknown, headers: Record<string, string>, bearer: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(parts.proxy.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${bearer}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('gatehouse proxy to an SDK v2 upstream, MCP 2026-07-28', () => {
  for (const mode of [{ pin: VERSION }, 'auto'] as const) {
    it(`the SDK v2 client (${typeof mode === 'string' ? mode : `pin ${mode.pin}`}) calls tools statelessly, each request asserted, headers unchanged`, async () => {
      const bearer = await token('ana');
      const from = parts.upstream.seen.length;
      const client = new ClientV2({ name: 'proxy-modern', version: '1.0.0' }, { versionNegotiation: { mode } });
      await client.connect(new TransportV2(new URL(parts.proxy.mcpUrl), { authProvider: { token: async () => bearer } }));
      expect(client.getNegotiatedProtocolVersion()).toBe(VERSION);
      const result = await client.callTool({ name: 'search', arguments: { q: 'docs' } });
      expect(result.content).toEqual([{ type: 'text', text: 'search docs for anonymous' }]);
      await client.close();

      const posts = parts.upstream.seen.slice(from).filter((seen) => seen.method === 'POST');
      const call = posts.find((seen) => seen.headers['mcp-method'] === 'tools/call');
      expect(call?.headers).toMatchObject({ 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'search' });
      for (const seen of posts) {
        expect(seen.headers['mcp-session-id']).toBeUndefined();
        expect(seen.headers['x-gatehouse-assertion']).toEqual(expect.any(String));
        expect(seen.headers['x-gatehouse-subject']).toBe('ana');
        expect(seen.headers.authorization).toBeUndefined();
      }
      expect(parts.proxy.backend).toMatchObject({ sessionCount: 0 });
    });
  }

  it('passes a Base64 Mcp-Name through byte for byte', async () => {
    const name = '=?base64?c2VhcmNo?='; // "search"
    const from = parts.upstream.seen.length;
    const result = await raw(
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'search', arguments: { q: 'b64' }, _meta: envelope } },
      { 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call', 'mcp-name': name },
      await token('bo'),
    );
    expect(result.status).toBe(200);
    expect(parts.upstream.seen.slice(from).map((seen) => seen.headers['mcp-name'])).toEqual([name]);
  });

  it.each([
    ['Mcp-Name names another tool', { 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'search' }, /Mcp-Name header names "search" but the body's params.name is "delete_file"/],
    ['Mcp-Method names another method', { 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/list', 'mcp-name': 'delete_file' }, /Mcp-Method header names "tools\/list"/],
    ['Mcp-Name is missing', { 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call' }, /Mcp-Name header is missing/],
    ['MCP-Protocol-Version disagrees with _meta', { 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'tools/call', 'mcp-name': 'delete_file' }, /MCP-Protocol-Version header names "2025-11-25"/],
  ])('refuses at the proxy when %s: 400, -32020, the upstream never sees it', async (_label, headers, message) => {
    const from = parts.upstream.seen.length;
    const result = await raw({ jsonrpc: '2.0', id: 'del-1', method: 'tools/call', params: { name: 'delete_file', arguments: { path: '/etc' }, _meta: envelope } }, headers, await token('cy'));
    expect(result.status).toBe(400);
    expect(result.json).toMatchObject({ jsonrpc: '2.0', id: 'del-1', error: { code: -32020, message: expect.stringMatching(message) } });
    expect(parts.upstream.seen.length).toBe(from);
  });

  it('the v1 client (2025) still calls tools through the proxy', async () => {
    const bearer = await token('di');
    const client = new ClientV1({ name: 'proxy-legacy', version: '1.0.0' });
    await client.connect(new TransportV1(new URL(parts.proxy.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${bearer}` } } }));
    const result = await client.callTool({ name: 'search', arguments: { q: 'v1' } });
    expect(result.content).toEqual([{ type: 'text', text: 'search v1 for anonymous' }]);
    await client.close();
  });
});
