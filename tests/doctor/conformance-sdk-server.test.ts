import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { mcpAuthMetadataRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { OAuthMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConformance, type ConformanceReport } from '../../src/doctor/index.js';
import { startTestIssuer, type TestIssuer } from '../../src/testing/test-issuer.js';

/**
 * A server built the usual way with the v1 SDK: `mcpAuthMetadataRouter` for
 * the metadata, `requireBearerAuth` with a verifier that checks the JWT with
 * jose and, like the SDK's examples, throws a plain Error when it fails, and
 * a stateless `StreamableHTTPServerTransport`. The conformance run names
 * what such a server misses.
 */

let issuer: TestIssuer;
let server: Server;
let mcpUrl: string;

beforeAll(async () => {
  issuer = await startTestIssuer({ scope: 'mcp' });
  const app = express();
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mcpUrl = `${origin}/mcp`;
  const oauthMetadata = (await (await fetch(issuer.metadataUrl)).json()) as OAuthMetadata;
  const jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
  app.use(mcpAuthMetadataRouter({ oauthMetadata, resourceServerUrl: new URL(mcpUrl), scopesSupported: ['mcp'] }));
  const bearer = requireBearerAuth({
    verifier: {
      async verifyAccessToken(token) {
        try {
          const { payload } = await jwtVerify(token, jwks, { issuer: issuer.issuer, audience: mcpUrl });
          return { token, clientId: String(payload.client_id ?? 'unknown'), scopes: String(payload.scope ?? '').split(' '), expiresAt: payload.exp };
        } catch (err) {
          throw new Error(`Invalid token: ${(err as Error).message}`);
        }
      },
    },
    requiredScopes: ['mcp'],
    resourceMetadataUrl: `${origin}/.well-known/oauth-protected-resource/mcp`,
  });
  app.post('/mcp', bearer, express.json(), async (req, res) => {
    // Stateless, as the SDK's examples serve it: one server and transport per request.
    const mcp = new McpServer({ name: 'sdk-v1', version: '1.0.0' });
    mcp.registerTool('hello', { description: 'says hello' }, () => ({ content: [{ type: 'text', text: 'hello' }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await issuer?.close();
});

const ids = (report: ConformanceReport, status: string) => report.results.filter((r) => r.status === status).map((r) => r.id).sort();

describe('gatehouse doctor --conformance on a v1 SDK server (mcpAuthMetadataRouter + requireBearerAuth)', () => {
  it('names the requirements it misses', async () => {
    const token = await issuer.mint({ aud: mcpUrl, scope: 'mcp' });
    const report = await checkConformance(mcpUrl, { token, timeoutMs: 5000 });
    // The verifier's plain Error becomes a 500 without a challenge, for a made-up token and for an unsigned one alike.
    expect(ids(report, 'fail')).toEqual(['mcp-2026-07-28/invalid-token-401', 'mcp-2026-07-28/validate-before-processing', 'rfc6750/www-authenticate']);
    expect(report.results.find((r) => r.id === 'mcp-2026-07-28/invalid-token-401')!.evidence[0]!.response).toMatch(/^500/);
    // SHOULDs: error="invalid_token" on a request without a token; the second Authorization header ignored (Node keeps the first);
    // no CORS for browser clients; and the plain test issuer's own gaps (no CIMD, no RFC 9207 flag, no CORS).
    expect(ids(report, 'warn')).toEqual([
      'fetch/discovery-documents', 'fetch/expose-www-authenticate', 'fetch/mcp-preflight', 'fetch/token-endpoint',
      'mcp-2026-07-28/cimd', 'mcp-2026-07-28/iss-parameter', 'rfc6750/invalid-request-400', 'rfc6750/no-error-without-credentials',
    ]);
    // A v1 server speaks the 2025 era only: the 2026-07-28 header rules do not apply to it.
    expect(report.eras).toMatchObject({ modern: false, legacy: true });
    const header = report.results.find((r) => r.id === 'mcp-2026-07-28/header-name-mismatch')!;
    expect(header.status).toBe('not-observable');
    expect(header.reason).toContain('does not');
  });
});
