import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryError } from '../errors.js';
import { startLoopbackServer, type LoopbackServer } from '../testing/loopback-server.js';
import { fetchIssuerMetadata } from './fetch-metadata.js';

let server: LoopbackServer;

beforeAll(async () => {
  server = await startLoopbackServer();
});
afterAll(() => server.close());

/** Serves `metadata` only at `path`; 404 everywhere else. */
function serveOnlyAt(path: string, metadata: Record<string, unknown>): void {
  server.requests.length = 0;
  server.setHandler((req) => (req.url === path ? { status: 200, json: metadata } : { status: 404, json: { error: 'not_found' } }));
}

async function rejection(promise: Promise<unknown>): Promise<DiscoveryError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DiscoveryError);
  return err as DiscoveryError;
}

describe('fetchIssuerMetadata: discovery order', () => {
  it('issuer without a path: RFC 8414 first, and stops there when it answers', async () => {
    const issuer = server.origin;
    serveOnlyAt('/.well-known/oauth-authorization-server', { issuer, jwks_uri: `${issuer}/jwks` });
    const found = await fetchIssuerMetadata(issuer);
    expect(found.url).toBe(`${issuer}/.well-known/oauth-authorization-server`);
    expect(found.metadata.jwks_uri).toBe(`${issuer}/jwks`);
    expect(server.requests).toEqual(['GET /.well-known/oauth-authorization-server']);
  });

  it('issuer without a path: falls back to OpenID discovery', async () => {
    const issuer = server.origin;
    serveOnlyAt('/.well-known/openid-configuration', { issuer });
    const found = await fetchIssuerMetadata(issuer);
    expect(found.url).toBe(`${issuer}/.well-known/openid-configuration`);
    expect(server.requests).toEqual(['GET /.well-known/oauth-authorization-server', 'GET /.well-known/openid-configuration']);
  });

  it('issuer with a path: tries the three URLs in the spec order', async () => {
    const issuer = `${server.origin}/t1`;
    serveOnlyAt('/t1/.well-known/openid-configuration', { issuer });
    const found = await fetchIssuerMetadata(issuer);
    expect(found.url).toBe(`${issuer}/.well-known/openid-configuration`);
    expect(server.requests).toEqual([
      'GET /.well-known/oauth-authorization-server/t1',
      'GET /.well-known/openid-configuration/t1',
      'GET /t1/.well-known/openid-configuration',
    ]);
  });

  it('issuer with a path: path-inserted OIDC comes second', async () => {
    const issuer = `${server.origin}/t1`;
    serveOnlyAt('/.well-known/openid-configuration/t1', { issuer });
    const found = await fetchIssuerMetadata(issuer);
    expect(found.url).toBe(`${server.origin}/.well-known/openid-configuration/t1`);
    expect(server.requests).toHaveLength(2);
  });
});

describe('fetchIssuerMetadata: issuer check', () => {
  it('accepts a trailing-slash difference, keeps the exact published issuer, and warns', async () => {
    const issuer = server.origin;
    serveOnlyAt('/.well-known/oauth-authorization-server', { issuer: `${issuer}/` });
    const found = await fetchIssuerMetadata(issuer);
    expect(found.metadata.issuer).toBe(`${issuer}/`);
    expect(found.warnings.join(' ')).toMatch(/trailing slash/);
  });

  it('rejects metadata naming another issuer, saying which', async () => {
    const issuer = server.origin;
    serveOnlyAt('/.well-known/oauth-authorization-server', { issuer: 'https://elsewhere.example.com' });
    const err = await rejection(fetchIssuerMetadata(issuer));
    expect(err.code).toBe('ERR_DISCOVERY_FAILED');
    expect(err.message).toContain('Issuer mismatch');
    expect(err.message).toContain('"https://elsewhere.example.com"');
  });
});

describe('fetchIssuerMetadata: failures', () => {
  it('names every URL tried and what each returned', async () => {
    const issuer = `${server.origin}/t1`;
    server.requests.length = 0;
    server.setHandler((req) => {
      if (req.url === '/.well-known/oauth-authorization-server/t1') return { status: 500, json: { error: 'boom' } };
      if (req.url === '/.well-known/openid-configuration/t1') return { status: 200, text: '<html>login</html>' };
      return { status: 200, json: ['not', 'an', 'object'] };
    });
    const err = await rejection(fetchIssuerMetadata(issuer));
    expect(err.message.startsWith(`Failed to fetch OIDC discovery document for ${issuer}`)).toBe(true);
    expect(err.message).toContain(`${server.origin}/.well-known/oauth-authorization-server/t1: HTTP 500`);
    expect(err.message).toContain(`${server.origin}/.well-known/openid-configuration/t1: HTTP 200 but not JSON`);
    expect(err.message).toContain(`${issuer}/.well-known/openid-configuration: HTTP 200 but the JSON is not an object`);
    expect(err.urls).toHaveLength(3);
  });

  it('says "timed out" for a server that never answers', async () => {
    server.setHandler(() => 'hang');
    const err = await rejection(fetchIssuerMetadata(server.origin, { timeoutMs: 150 }));
    expect(err.message).toContain('timed out after 150 ms');
    expect(err.urls).toEqual([`${server.origin}/.well-known/oauth-authorization-server`, `${server.origin}/.well-known/openid-configuration`]);
  });

  it('says "network error" for a port nobody listens on', async () => {
    const closed = await startLoopbackServer();
    const origin = closed.origin;
    await closed.close();
    const err = await rejection(fetchIssuerMetadata(origin, { timeoutMs: 2000 }));
    expect(err.message).toContain(`${origin}/.well-known/oauth-authorization-server: network error (ECONNREFUSED)`);
    expect(err.message).toContain(`${origin}/.well-known/openid-configuration: network error`);
  });

  it('uses the fetch it is given', async () => {
    const issuer = server.origin;
    serveOnlyAt('/.well-known/oauth-authorization-server', { issuer });
    const seen: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const found = await fetchIssuerMetadata(issuer, { fetch: countingFetch });
    expect(found.metadata.issuer).toBe(issuer);
    expect(seen).toEqual([`${issuer}/.well-known/oauth-authorization-server`]);
  });
});
