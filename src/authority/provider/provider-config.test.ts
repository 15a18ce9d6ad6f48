import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type JWK } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/resolve.js';
import type { GatehouseConfig } from '../../config/schema.js';
import { withDefaultScope } from './default-scope.js';
import { mergeLayers as mergeConfigurations } from '../../config/merge.js';
import { installMetadata, metadataOverrides } from './metadata.js';
import { buildProviderConfiguration, type ProviderParts } from './provider-config.js';
import { escapeHtml } from './render-error.js';
import { mcpResourceUri, resourceScopes } from './resource-indicators.js';

async function standInParts(fragments: ProviderParts['fragments'] = []): Promise<ProviderParts> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' } as JWK;
  const rows = new Map<string, Record<string, unknown>>();
  // A stand-in store: the authority's real stores are tested with their own module.
  const adapter = () => ({
    upsert: async (id: string, payload: Record<string, unknown>) => void rows.set(id, payload),
    find: async (id: string) => rows.get(id),
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    consume: async (id: string) => void ((rows.get(id) ?? {}).consumed = Math.floor(Date.now() / 1000)),
    destroy: async (id: string) => void rows.delete(id),
    revokeByGrantId: async () => undefined,
  });
  return {
    jwks: { keys: [jwk] },
    cookieKeys: ['a-cookie-key-for-tests-only'],
    adapter,
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    fragments,
  };
}

describe('mergeConfigurations', () => {
  it('merges plain objects deeply, replaces arrays and functions, ignores undefined, keeps null', () => {
    const fn = () => true;
    const merged = mergeConfigurations(
      { features: { revocation: { enabled: true } }, scopes: ['a'], clientDefaults: { grant_types: ['x'] } },
      undefined,
      { features: { registration: { enabled: true } }, scopes: ['b'], pkce: { required: fn }, clientDefaults: { application_type: null } as never },
      { scopes: undefined },
    );
    expect(merged).toEqual({
      features: { revocation: { enabled: true }, registration: { enabled: true } },
      scopes: ['b'],
      pkce: { required: fn },
      clientDefaults: { grant_types: ['x'], application_type: null },
    });
  });
});

describe('buildProviderConfiguration', () => {
  const config = resolveConfig({ publicUrl: 'http://localhost:3000', scopes: { required: ['mcp:tools'], tools: { admin: ['mcp:admin'] } } });

  it('keeps PKCE, resource indicators, refresh rotation and bearer-only tokens whatever a fragment says', async () => {
    const loosen = { pkce: { required: () => false }, features: { dPoP: { enabled: true } }, rotateRefreshToken: false, responseTypes: ['code id_token'] };
    const built = buildProviderConfiguration(config, await standInParts([loosen as never]));
    expect((built.pkce?.required as () => boolean)()).toBe(true);
    expect(built.features?.dPoP?.enabled).toBe(false);
    expect(built.rotateRefreshToken).toBe(true);
    expect(built.responseTypes).toEqual(['code']);
    expect(built.features?.resourceIndicators?.enabled).toBe(true);
  });

  it('puts every endpoint under the route prefix', async () => {
    const custom = resolveConfig({ publicUrl: 'http://localhost:3000', authority: { routePrefix: '/as' } });
    const routes = buildProviderConfiguration(custom, await standInParts()).routes ?? {};
    expect(Object.values(routes).every((path) => path.startsWith('/as/'))).toBe(true);
    expect(routes.authorization).toBe('/as/authorize');
    expect(routes.token).toBe('/as/token');
  });

  it('binds tokens to the MCP resource and its scopes', () => {
    expect(mcpResourceUri(config)).toBe('http://localhost:3000/mcp');
    expect(mcpResourceUri(resolveConfig({ publicUrl: 'https://x.example/base/', path: '/mcp/' }))).toBe('https://x.example/base/mcp');
    expect(resourceScopes(config)).toEqual(['mcp:tools', 'mcp:admin']);
    expect(resourceScopes(resolveConfig({ publicUrl: 'http://localhost:3000' }))).toEqual(['mcp']);
  });
});

describe('withDefaultScope', () => {
  const config: GatehouseConfig = resolveConfig({ publicUrl: 'http://localhost:3000', scopes: { required: ['mcp:tools'], tools: { admin: ['mcp:admin'] } } });
  it.each([
    [undefined, 'mcp:tools'],
    ['', 'mcp:tools'],
    ['offline_access', 'offline_access mcp:tools'],
    ['openid', 'openid mcp:tools'],
    ['mcp:admin', 'mcp:admin'],
    ['openid  mcp:tools', 'openid mcp:tools'],
  ])('%j → %j', (requested, expected) => {
    expect(withDefaultScope(requested, config)).toBe(expected);
  });

  it('falls back to every resource scope when none is required', () => {
    expect(withDefaultScope(undefined, resolveConfig({ publicUrl: 'http://localhost:3000', scopes: { tools: { a: ['x'] } } }))).toBe('x');
  });
});

describe('escapeHtml', () => {
  it('escapes everything that could open markup or an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;');
  });
});

describe('metadataOverrides', () => {
  it('leaves offline_access out of scopes_supported even when oidc-provider lists it (SEP-2207)', () => {
    const config = resolveConfig({ publicUrl: 'http://localhost:3000', scopes: { required: ['mcp:tools'] } });
    expect(metadataOverrides(config, ['openid', 'offline_access'])).toEqual({
      scopes_supported: ['mcp:tools', 'openid'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      resource_parameter_supported: true,
    });
  });
});

describe('the discovery documents of a provider built from it', () => {
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = resolveConfig({ publicUrl: origin, scopes: { required: ['mcp:tools'] } });
    const registration = { features: { registration: { enabled: true } } };
    const provider = new Provider(config.issuer, buildProviderConfiguration(config, await standInParts([registration])));
    installMetadata(provider, config);
    server.on('request', provider.callback());
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])('%s has what MCP clients check', async (path) => {
    const response = await fetch(`${origin}${path}`, { headers: { origin: 'http://localhost:6274' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      issuer: origin,
      authorization_endpoint: `${origin}/oauth/authorize`,
      token_endpoint: `${origin}/oauth/token`,
      registration_endpoint: `${origin}/oauth/register`,
      revocation_endpoint: `${origin}/oauth/revoke`,
      jwks_uri: `${origin}/oauth/jwks`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      resource_parameter_supported: true,
      response_types_supported: ['code'],
      scopes_supported: ['mcp:tools', 'openid'],
    });
    expect(body.token_endpoint_auth_methods_supported).toContain('none');
    expect(body.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    // No configured machine client: the grant without a user is not served at all.
    expect(body.grant_types_supported).not.toContain('client_credentials');
    expect(JSON.stringify(body)).not.toContain('offline_access');
    expect(body).not.toHaveProperty('introspection_endpoint');
    expect(body).not.toHaveProperty('userinfo_endpoint');
  });

  it('answers the documents\' CORS preflights', async () => {
    const response = await fetch(`${origin}/.well-known/oauth-authorization-server`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'GET' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});
