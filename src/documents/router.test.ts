import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchIssuerMetadata } from '../discovery/fetch-metadata.js';
import { createGatehouse, type GatehouseInstance } from '../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../testing/test-issuer.js';
import type { GatehouseConfigInput } from '../config/schema.js';

/** A gate served over real HTTP on 127.0.0.1, its publicUrl the address it listens on. */
interface Served {
  origin: string;
  gate: GatehouseInstance;
  close(): Promise<void>;
}

async function serveGate(input: (origin: string) => GatehouseConfigInput): Promise<Served> {
  // The gate needs the server's port for its publicUrl, and the server needs the gate.
  const late: { gate?: GatehouseInstance } = {};
  const server: ServerType = await new Promise((resolve) => {
    const s = serve(
      {
        hostname: '127.0.0.1',
        port: 0,
        overrideGlobalObjects: false,
        fetch: (request: Request) => late.gate!.fetch(request, () => new Response('from the app', { status: 200 })),
      },
      () => resolve(s),
    );
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gate = createGatehouse(input(origin));
  late.gate = gate;
  return {
    origin,
    gate,
    close: () =>
      new Promise<void>((resolve) => {
        gate.close();
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

function expectCors(response: Response): void {
  expect(response.headers.get('access-control-allow-origin')).toBe('*');
}

let issuer: TestIssuer;
let mirror: Served;
let plain: Served;

beforeAll(async () => {
  // An IdP that is not MCP-ready: no PKCE advertisement, no DCR, only confidential-client auth.
  issuer = await startTestIssuer({
    metadata: {
      code_challenge_methods_supported: undefined,
      token_endpoint_auth_methods_supported: undefined,
      authorization_response_iss_parameter_supported: true,
    },
  });
  mirror = await serveGate((origin) => ({
    issuer: issuer.issuer,
    publicUrl: origin,
    mirrorMetadata: true,
    registration: { clientId: 'pre-registered' },
    scopes: { required: ['mcp'], tools: { delete_file: ['files:write', 'offline_access'] } },
    resourceName: 'Files',
    resourceDocumentation: 'https://docs.example.com/files',
  }));
  plain = await serveGate((origin) => ({ issuer: issuer.issuer, publicUrl: origin }));
  await Promise.all([mirror.gate.ready(), plain.gate.ready()]);
});

afterAll(async () => {
  await Promise.all([mirror?.close(), plain?.close()]);
  await issuer?.close();
});

describe('protected-resource metadata', () => {
  it('is served at the root and the path-inserted URL, identically', async () => {
    const root = await fetch(`${mirror.origin}/.well-known/oauth-protected-resource`);
    const inserted = await fetch(`${mirror.origin}/.well-known/oauth-protected-resource/mcp`);
    for (const response of [root, inserted]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('cache-control')).toBe('public, max-age=300');
      expectCors(response);
    }
    const document = await root.json();
    expect(await inserted.json()).toEqual(document);
    expect(document).toEqual({
      resource: `${mirror.origin}/mcp`,
      authorization_servers: [mirror.origin],
      scopes_supported: ['mcp', 'files:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Files',
      resource_documentation: 'https://docs.example.com/files',
    });
  });

  it('names the upstream issuer when there is no mirror', async () => {
    const document = await (await fetch(`${plain.origin}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(document).toMatchObject({ resource: `${plain.origin}/mcp`, authorization_servers: [issuer.issuer], resource_name: 'MCP server' });
    expect(document).not.toHaveProperty('scopes_supported');
  });

  it('answers HEAD without a body and other methods with 405', async () => {
    const head = await fetch(`${mirror.origin}/.well-known/oauth-protected-resource`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${mirror.origin}/.well-known/oauth-protected-resource`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expectCors(post);
  });

  it('does not change when Host or X-Forwarded-* are forged', async () => {
    const forged = new Request('http://evil.example/.well-known/oauth-protected-resource/mcp', {
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example' },
    });
    const document = await (await mirror.gate.handle(forged))!.json();
    expect(document.resource).toBe(`${mirror.origin}/mcp`);
    expect(document.authorization_servers).toEqual([mirror.origin]);
    const asMetadata = await (await mirror.gate.handle(new Request('http://evil.example/.well-known/oauth-authorization-server', { headers: forged.headers })))!.json();
    expect(asMetadata.issuer).toBe(mirror.origin);
    expect(asMetadata.registration_endpoint).toBe(`${mirror.origin}/register`);
  });

  it('is the same whatever forwarded headers say, even with trustProxy on', async () => {
    const gate = createGatehouse({ issuer: issuer.issuer, publicUrl: 'https://mcp.example.com', trustProxy: true });
    try {
      const request = new Request('http://10.1.2.3:3000/.well-known/oauth-protected-resource/mcp', {
        headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'host=evil.example' },
      });
      const response = (await gate.handle(request))!;
      expect(response.headers.get('cache-control')).toBe('public, max-age=300');
      expect((await response.json()).resource).toBe('https://mcp.example.com/mcp');
    } finally {
      gate.close();
    }
  });

});

describe('authorization-server metadata mirror', () => {
  it('is the upstream metadata patched for MCP clients, with our origin as issuer', async () => {
    const response = await fetch(`${mirror.origin}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    expectCors(response);
    const document = await response.json();
    expect(document).toMatchObject({
      issuer: mirror.origin,
      authorization_endpoint: `${issuer.issuer}/authorize`,
      token_endpoint: `${issuer.issuer}/token`,
      jwks_uri: issuer.jwksUri,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      registration_endpoint: `${mirror.origin}/register`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
    });
    expect(document).not.toHaveProperty('authorization_response_iss_parameter_supported');
  });

  it('is served at the path-inserted forms clients may try', async () => {
    for (const path of ['/.well-known/oauth-authorization-server/mcp', '/mcp/.well-known/oauth-authorization-server']) {
      const response = await fetch(`${mirror.origin}${path}`);
      expect(response.status).toBe(200);
      expect((await response.json()).issuer).toBe(mirror.origin);
    }
  });

  it('passes the issuer check a client makes, starting from PRM authorization_servers', async () => {
    const prm = await (await fetch(`${mirror.origin}/.well-known/oauth-protected-resource/mcp`)).json();
    const { metadata } = await fetchIssuerMetadata(prm.authorization_servers[0]);
    expect(metadata.issuer).toBe(prm.authorization_servers[0]);
  });

  it('answers 503 with CORS when the upstream cannot be reached', async () => {
    const gone = await startTestIssuer();
    const url = gone.issuer;
    await gone.close();
    const gate = createGatehouse({ issuer: url, publicUrl: 'https://mcp.example.com', mirrorMetadata: true, discovery: { timeoutMs: 1000 } });
    try {
      const response = (await gate.handle(new Request('https://mcp.example.com/.well-known/oauth-authorization-server')))!;
      expect(response.status).toBe(503);
      expectCors(response);
    } finally {
      gate.close();
    }
  });
});

describe('OpenID alias', () => {
  it('redirects with 308 to the AS metadata, with CORS', async () => {
    const response = await fetch(`${mirror.origin}/.well-known/openid-configuration`, { redirect: 'manual' });
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe(`${mirror.origin}/.well-known/oauth-authorization-server`);
    expectCors(response);
  });

  it('yields valid metadata when followed', async () => {
    const response = await fetch(`${mirror.origin}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${mirror.origin}/.well-known/oauth-authorization-server`);
    const document = await response.json();
    for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'response_types_supported', 'code_challenge_methods_supported']) {
      expect(document).toHaveProperty(field);
    }
    expect(document.issuer).toBe(mirror.origin);
    expect(document.code_challenge_methods_supported).toContain('S256');
  });

  it('is off without the mirror, unless asked for; then it points at the upstream metadata', async () => {
    expect((await fetch(`${plain.origin}/.well-known/openid-configuration`, { redirect: 'manual' })).status).toBe(404);
    const gate = createGatehouse({ issuer: issuer.issuer, publicUrl: 'https://mcp.example.com', openidAlias: true });
    try {
      await gate.ready();
      const response = (await gate.handle(new Request('https://mcp.example.com/.well-known/openid-configuration')))!;
      expect(response.status).toBe(308);
      expect(response.headers.get('location')).toBe(issuer.metadataUrl);
    } finally {
      gate.close();
    }
  });
});

describe('404s and preflights', () => {
  it.each([
    '/.well-known/oauth-authorization-server',
    '/.well-known/openid-configuration',
    '/.well-known/openid-configuration/mcp',
    '/mcp/.well-known/openid-configuration',
    '/.well-known/oauth-protected-resource/other',
    // The upstream's keys are not ours to serve; a browser client must still be able to read the 404.
    '/.well-known/jwks.json',
  ])('answers %s with a 404 that has CORS when nothing is served there', async (path) => {
    const response = await fetch(`${plain.origin}${path}`, { redirect: 'manual' });
    expect(response.status).toBe(404);
    expectCors(response);
    expect(response.headers.get('content-type')).toBe('application/json');
  });

  it('leaves other /.well-known/ paths to the application', async () => {
    const response = await fetch(`${plain.origin}/.well-known/security.txt`);
    expect(await response.text()).toBe('from the app');
  });

  it.each([
    ['a document', '/.well-known/oauth-protected-resource/mcp', 'GET'],
    ['a 404 under /.well-known/', '/.well-known/oauth-authorization-server/nope', 'GET'],
    ['the MCP endpoint', '/mcp', 'POST'],
    ['the DCR façade', '/register', 'POST'],
  ])('answers the preflight of %s with 204', async (_name, path, method) => {
    const response = await fetch(`${mirror.origin}${path}`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': method, 'access-control-request-headers': 'authorization, x-custom' },
    });
    expect(response.status).toBe(204);
    expectCors(response);
    expect(response.headers.get('access-control-allow-methods')).toContain(method);
    const allowed = response.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const header of ['authorization', 'content-type', 'mcp-protocol-version', 'mcp-session-id', 'x-custom']) expect(allowed).toContain(header);
    expect(response.headers.get('access-control-max-age')).toBe('86400');
  });
});

describe('DCR façade route', () => {
  it('registers over HTTP when a pre-registered client is configured', async () => {
    const response = await fetch(`${mirror.origin}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Claude', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] }),
    });
    expect(response.status).toBe(201);
    expect((await response.json()).client_id).toBe('pre-registered');
  });

  it('is absent without one', async () => {
    const response = await fetch(`${plain.origin}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await response.text()).toBe('from the app');
  });
});
