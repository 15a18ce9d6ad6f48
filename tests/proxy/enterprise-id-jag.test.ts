/**
 * `gatehouse proxy` in authority mode redeeming ID-JAGs (SEP-990): the
 * upstream MCP server learns the enterprise user from the identity headers
 * and the signed assertion exactly as it learns a local user, and the
 * per-tool scopes apply to the token unchanged.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_JWKS_PATH } from '../../src/proxy/index.js';
import { startTestIssuer, type TestIssuer } from '../../src/testing/test-issuer.js';
import { startTestProxy, textOf, type TestProxy } from './harness.js';
import { startRecordingUpstream, type RecordingUpstream } from './recording-upstream.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AGENT = { client_id: 'agent', client_secret: 'agent-secret-for-tests-only-0123456789', grant_types: [JWT_BEARER], redirect_uris: [], response_types: [], scope: 'mcp:tools' };

describe('the proxy in front of a token issued for an ID-JAG', () => {
  let idp: TestIssuer;
  let upstream: RecordingUpstream;
  let proxy: TestProxy;
  let token: string;

  beforeAll(async () => {
    idp = await startTestIssuer();
    upstream = await startRecordingUpstream();
    proxy = await startTestProxy(
      { upstream: upstream.url },
      // seen-headers is the upstream's tool; echo (which it does not have) needs a scope the agent may not get.
      { layers: { scopes: { tools: { echo: ['mcp:admin'] } }, authority: { clients: [AGENT], devLogin: false, idJag: { issuers: [idp.issuer] } } } },
    );
    const assertion = await idp.mint(
      { aud: proxy.front.config.issuer, client_id: AGENT.client_id, sub: 'dana@acme.example', resource: proxy.mcpUrl, scope: 'mcp:tools' },
      { header: { typ: 'oauth-id-jag+jwt' } },
    );
    const response = await fetch(`${proxy.publicUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${AGENT.client_id}:${AGENT.client_secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }),
    });
    const body = (await response.json()) as { access_token?: string };
    expect(response.status, JSON.stringify(body)).toBe(200);
    token = body.access_token!;
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
    await idp?.close();
  });

  it('passes the enterprise user on: plain identity headers and a signed assertion naming them, never the token', async () => {
    const client = new Client({ name: 'enterprise-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(proxy.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      const seen = JSON.parse(textOf(await client.callTool({ name: 'seen-headers', arguments: {} }))) as Record<string, string>;
      const user = `${idp.issuer}#dana@acme.example`;
      expect(seen).toMatchObject({ 'x-gatehouse-subject': user, 'x-gatehouse-client-id': 'agent', 'x-gatehouse-scopes': 'mcp:tools' });
      expect(seen.authorization).toBeUndefined();
      const { payload } = await jwtVerify(seen['x-gatehouse-assertion']!, createRemoteJWKSet(new URL(`${proxy.publicUrl}${ASSERTION_JWKS_PATH}`)), {
        issuer: proxy.front.config.issuer,
        audience: upstream.url,
      });
      expect(payload).toMatchObject({ sub: user, client_id: 'agent', scope: 'mcp:tools' });
      // Per-tool scopes: a tool that needs mcp:admin is refused at the proxy, before the upstream.
      const before = upstream.requests.length;
      await expect(client.callTool({ name: 'echo', arguments: {} })).rejects.toThrow(/403|insufficient_scope/);
      expect(upstream.requests.length).toBe(before);
    } finally {
      await client.close();
    }
  });
});
