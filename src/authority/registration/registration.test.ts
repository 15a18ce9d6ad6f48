/**
 * Client registration against a real oidc-provider over loopback HTTP:
 * what real MCP clients send to DCR, the DCR policies, configured clients,
 * and which redirect URIs an authorization request may then use.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, type JWK } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationCodeFrom, headlessLogin } from '../../../tests/helpers/headless-login.js';
import { resolveConfig, type GatehouseConfigInput } from '../../config/index.js';
import { ConfigError } from '../../errors.js';
import { installRegistrationRules, registrationConfiguration } from './index.js';

interface Started {
  issuer: string;
  provider: Provider;
  close(): Promise<void>;
}

const SCOPES = ['openid', 'offline_access', 'mcp:tools', 'mcp:admin'];

async function baseConfiguration(): Promise<Configuration> {
  // RS256: oidc-provider's default id_token_signed_response_alg needs a key for it.
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'registration-test', alg: 'RS256', use: 'sig' } as JWK;
  return {
    jwks: { keys: [jwk] },
    cookies: { keys: ['registration-test-cookie-key'] },
    scopes: SCOPES,
    pkce: { required: () => true },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  };
}

/** A minimal provider with the registration fragment merged in, on 127.0.0.1 and a free port. */
async function startProvider(authority: GatehouseConfigInput['authority'] = {}, extra: Partial<Configuration> = {}): Promise<Started> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = resolveConfig({ publicUrl: issuer, authority });
  const registration = registrationConfiguration(config);
  const base = await baseConfiguration();
  const provider = new Provider(issuer, {
    ...base,
    ...registration,
    ...extra,
    features: { ...registration.features, devInteractions: { enabled: true }, resourceIndicators: { enabled: false }, clientCredentials: { enabled: true } },
  });
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await installRegistrationRules(provider, config);
  } catch (error) {
    await close();
    throw error;
  }
  server.on('request', provider.callback());
  return { issuer, provider, close };
}

async function register(issuer: string, metadata: Record<string, unknown>, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${issuer}/reg`, { method: 'POST', headers, body: JSON.stringify(metadata) });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text } };
}

const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');

function authorizationUrl(issuer: string, clientId: string, redirectUri: string, scope = 'mcp:tools'): URL {
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope,
    state: 'state-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url;
}

/** `accepted`: the user is sent to sign in; otherwise the error oidc-provider shows or redirects with. */
async function authorize(issuer: string, clientId: string, redirectUri: string, scope?: string): Promise<string> {
  const res = await fetch(authorizationUrl(issuer, clientId, redirectUri, scope), { redirect: 'manual' });
  const location = res.headers.get('location');
  const body = await res.text();
  if (res.status === 303 && location?.startsWith('/interaction/')) return 'accepted';
  if (location) return `redirect:${new URL(location).searchParams.get('error')}`;
  return `${res.status}:${/invalid_[a-z_]+/.exec(body)?.[0] ?? body.slice(0, 200)}`;
}

const CLIENTS: Array<[string, Record<string, unknown>, 'web' | 'native']> = [
  ['Claude', { client_name: 'Claude', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', scope: 'mcp:tools' }, 'web'],
  ['Claude Code', { client_name: 'Claude Code', redirect_uris: ['http://localhost:54545/callback'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }, 'native'],
  ['VS Code', { client_name: 'Visual Studio Code', redirect_uris: ['https://vscode.dev/redirect', 'https://insiders.vscode.dev/redirect', 'http://127.0.0.1/', 'http://127.0.0.1:33418/'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' }, 'native'],
  ['Cursor', { client_name: 'Cursor', redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback', 'https://www.cursor.com/agents/mcp/oauth/callback', 'http://localhost:8787/callback'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }, 'native'],
  ['MCP Inspector', { client_name: 'MCP Inspector', redirect_uris: ['http://localhost:6274/oauth/callback', 'http://localhost:6274/oauth/callback/debug'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', scope: 'mcp:tools' }, 'native'],
  ['mcp-remote', { client_name: 'MCP CLI Proxy', software_id: '2e6dc280-f3c3-4e01-99a7-8181dbd1d23d', software_version: '0.1.29', client_uri: 'https://github.com/modelcontextprotocol/mcp-cli', redirect_uris: ['http://localhost:18563/oauth/callback'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }, 'native'],
  ['a confidential client', { client_name: 'Server app', redirect_uris: ['https://app.example.com/oauth/callback'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic' }, 'web'],
];

describe('DCR open (development default)', () => {
  let as: Started;
  beforeAll(async () => {
    as = await startProvider();
  });
  afterAll(() => as.close());

  it.each(CLIENTS)('registers %s as sent, without application_type, typed by its redirect URIs', async (_name, metadata, type) => {
    const { status, body } = await register(as.issuer, metadata);
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.application_type).toBe(type);
    expect(body.redirect_uris).toEqual(metadata.redirect_uris);
    expect(body.grant_types).toEqual(metadata.grant_types ?? ['authorization_code']);
    // The registered scope is advisory: not kept, so it cannot cap later requests.
    expect(body.scope).toBeUndefined();
    expect(body.registration_access_token).toBeUndefined();
    if (metadata.token_endpoint_auth_method === 'none') expect(body.client_secret).toBeUndefined();
    else expect(body.client_secret).toEqual(expect.any(String));
    // Every registered redirect URI can start an authorization.
    for (const uri of metadata.redirect_uris as string[]) {
      expect(await authorize(as.issuer, body.client_id as string, uri), uri).toBe('accepted');
    }
  });

  it.each([
    ['javascript:alert(1)', /javascript: scheme is never allowed/],
    ['data:text/html,<script>alert(1)</script>', /data: scheme is never allowed/],
    ['https://app.example.com/callback#fragment', /fragment/],
    ['http://app.example.com/callback', /http: is only allowed on loopback/],
    ['myapp://callback', /myapp: scheme is not allowed/],
    ['file:///etc/passwd', /file: scheme is never allowed/],
    ['not a url', /whitespace|absolute URL/],
  ])('refuses %s with invalid_redirect_uri and a description saying why', async (uri, reason) => {
    const { status, body } = await register(as.issuer, { redirect_uris: ['http://127.0.0.1/callback', uri], token_endpoint_auth_method: 'none' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_redirect_uri');
    expect(body.error_description).toMatch(/^redirect_uris: /);
    expect(body.error_description).toMatch(reason);
  });

  it('refuses a javascript: post_logout_redirect_uri too', async () => {
    const { status, body } = await register(as.issuer, { redirect_uris: ['http://127.0.0.1/callback'], post_logout_redirect_uris: ['javascript:alert(1)'], token_endpoint_auth_method: 'none' });
    expect(status).toBe(400);
    expect(body.error_description).toMatch(/post_logout_redirect_uris: .* javascript: scheme is never allowed/);
  });

  it('respects an application_type the client states: web with a custom scheme stays refused', async () => {
    const web = await register(as.issuer, { application_type: 'web', redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback'], token_endpoint_auth_method: 'none' });
    expect(web.status).toBe(400);
    expect(web.body.error).toBe('invalid_redirect_uri');
    const native = await register(as.issuer, { application_type: 'native', redirect_uris: ['https://app.example.com/callback'], token_endpoint_auth_method: 'none' });
    expect(native.status).toBe(201);
    expect(native.body.application_type).toBe('native');
  });

  it('lets a client ask later for more than the scope it registered with (the SDK steps up)', async () => {
    const { body } = await register(as.issuer, { redirect_uris: ['http://127.0.0.1/callback'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', scope: 'mcp:tools' });
    expect(await authorize(as.issuer, body.client_id as string, 'http://127.0.0.1:40001/callback', 'mcp:tools mcp:admin')).toBe('accepted');
  });
});

describe('DCR policies', () => {
  const token = 'initial-access-token-for-tests-0123456789';
  let tokenAs: Started;
  let allowlistAs: Started;
  let offAs: Started;
  beforeAll(async () => {
    [tokenAs, allowlistAs, offAs] = await Promise.all([
      startProvider({ registration: { dcr: 'token', initialAccessToken: token } }),
      startProvider({ registration: { dcr: 'allowlist', allowedRedirectHosts: ['claude.ai', '*.cursor.com'] } }),
      startProvider({ registration: { dcr: 'off' } }),
    ]);
  });
  afterAll(() => Promise.all([tokenAs.close(), allowlistAs.close(), offAs.close()]));

  const claude = CLIENTS[0]![1];

  it('token: refuses a registration without the initial access token, or with a wrong one', async () => {
    const missing = await register(tokenAs.issuer, claude);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe('invalid_token');
    const wrong = await register(tokenAs.issuer, claude, `${token}-wrong`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_token');
  });

  it('token: registers with the right initial access token', async () => {
    const { status, body } = await register(tokenAs.issuer, claude, token);
    expect(status).toBe(201);
    expect(await authorize(tokenAs.issuer, body.client_id as string, 'https://claude.ai/api/mcp/auth_callback')).toBe('accepted');
  });

  it('allowlist: an allowed https host registers; loopback and custom schemes always do', async () => {
    expect((await register(allowlistAs.issuer, claude)).status).toBe(201);
    expect((await register(allowlistAs.issuer, CLIENTS[1]![1])).status).toBe(201); // Claude Code, loopback
    expect((await register(allowlistAs.issuer, CLIENTS[3]![1])).status).toBe(201); // Cursor: custom scheme, www.cursor.com, localhost
  });

  it('allowlist: any other https host is refused with invalid_redirect_uri naming the setting', async () => {
    const evil = await register(allowlistAs.issuer, { redirect_uris: ['https://evil.example/callback'], token_endpoint_auth_method: 'none' });
    expect(evil.status).toBe(400);
    expect(evil.body.error).toBe('invalid_redirect_uri');
    expect(evil.body.error_description).toMatch(/"https:\/\/evil\.example\/callback" .*allowedRedirectHosts/);
    // VS Code's vscode.dev is not on this list, even though its loopback URIs would be fine.
    expect((await register(allowlistAs.issuer, CLIENTS[2]![1])).body.error).toBe('invalid_redirect_uri');
  });

  it('allowlist: a wildcard admits any subdomain, never a look-alike host that only ends in the name', async () => {
    const deep = await register(allowlistAs.issuer, { redirect_uris: ['https://a.b.cursor.com/cb'], token_endpoint_auth_method: 'none' });
    expect(deep.status).toBe(201);
    const lookAlike = await register(allowlistAs.issuer, { redirect_uris: ['https://evilcursor.com/cb'], token_endpoint_auth_method: 'none' });
    expect(lookAlike.status).toBe(400);
    expect(lookAlike.body.error).toBe('invalid_redirect_uri');
  });

  it('allowlist: the rules still apply to allowed hosts', async () => {
    const { body } = await register(allowlistAs.issuer, { redirect_uris: ['https://claude.ai/cb#x'], token_endpoint_auth_method: 'none' });
    expect(body.error).toBe('invalid_redirect_uri');
  });

  it('off: there is no registration endpoint', async () => {
    const { status } = await register(offAs.issuer, claude);
    expect(status).toBe(404);
  });
});

describe('redirect URI matching at authorization', () => {
  let as: Started;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    as = await startProvider();
    const clients: Record<string, string[]> = {
      fixedPort: ['http://127.0.0.1:33418/callback'],
      portless: ['http://127.0.0.1/callback', 'http://[::1]/callback'],
      vscode: ['https://vscode.dev/redirect', 'http://127.0.0.1/', 'http://127.0.0.1:33418/'],
      localhost: ['http://localhost:6274/oauth/callback?mode=debug'],
      claude: ['https://claude.ai/api/mcp/auth_callback'],
    };
    for (const [name, redirectUris] of Object.entries(clients)) {
      const { body } = await register(as.issuer, { redirect_uris: redirectUris, grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' });
      ids[name] = body.client_id as string;
    }
    // A client that states it is a web app gets loopback any-port matching too.
    const { body } = await register(as.issuer, { application_type: 'web', redirect_uris: ['http://localhost:6274/oauth/callback'], token_endpoint_auth_method: 'none' });
    ids.web = body.client_id as string;
  });
  afterAll(() => as.close());

  it.each([
    ['fixedPort', 'http://127.0.0.1:33418/callback', 'accepted'],
    ['fixedPort', 'http://127.0.0.1:51234/callback', 'accepted'],
    ['fixedPort', 'http://localhost:33418/callback', '400:invalid_redirect_uri'],
    ['fixedPort', 'http://[::1]:33418/callback', '400:invalid_redirect_uri'],
    ['fixedPort', 'http://127.0.0.1:33418/other', '400:invalid_redirect_uri'],
    ['fixedPort', 'http://127.0.0.1:33418/callback/extra', '400:invalid_redirect_uri'],
    ['fixedPort', 'https://127.0.0.1:33418/callback', '400:invalid_redirect_uri'],
    ['portless', 'http://127.0.0.1/callback', 'accepted'],
    ['portless', 'http://127.0.0.1:61000/callback', 'accepted'],
    ['portless', 'http://[::1]:61000/callback', 'accepted'],
    ['portless', 'http://localhost:61000/callback', '400:invalid_redirect_uri'],
    ['vscode', 'http://127.0.0.1:40123/', 'accepted'],
    ['vscode', 'https://vscode.dev/redirect', 'accepted'],
    ['vscode', 'https://vscode.dev/redirect/', '400:invalid_redirect_uri'],
    ['localhost', 'http://localhost:7000/oauth/callback?mode=debug', 'accepted'],
    ['localhost', 'http://localhost:7000/oauth/callback', '400:invalid_redirect_uri'],
    ['localhost', 'http://127.0.0.1:6274/oauth/callback?mode=debug', '400:invalid_redirect_uri'],
    ['claude', 'https://claude.ai/api/mcp/auth_callback', 'accepted'],
    ['claude', 'https://claude.ai/api/mcp/auth_callback?x=1', '400:invalid_redirect_uri'],
    ['claude', 'https://claude.com/api/mcp/auth_callback', '400:invalid_redirect_uri'],
    ['web', 'http://localhost:7001/oauth/callback', 'accepted'],
  ])('%s: %s → %s', async (client, redirectUri, outcome) => {
    expect(await authorize(as.issuer, ids[client]!, redirectUri)).toBe(outcome);
  });

  it('completes sign-in on a loopback port that was never registered, and the code is redeemed there', async () => {
    const redirectUri = 'http://127.0.0.1:45678/callback';
    const callback = await headlessLogin(authorizationUrl(as.issuer, ids.portless!, redirectUri, 'mcp:tools mcp:admin'), { login: 'alice' });
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    const res = await fetch(`${as.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: authorizationCodeFrom(callback), redirect_uri: redirectUri, client_id: ids.portless!, code_verifier: verifier }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.access_token).toEqual(expect.any(String));
    // Wider than nothing registered: the scope asked for at authorization, all of it.
    expect(String(body.scope).split(' ').sort()).toEqual(['mcp:admin', 'mcp:tools']);
  });
});

describe('configured clients', () => {
  let as: Started;
  beforeAll(async () => {
    as = await startProvider({
      clients: [
        { client_id: 'desktop-app', redirect_uris: ['http://127.0.0.1/callback'], scope: 'mcp:tools' },
        { client_id: 'machine', client_secret: 'machine-secret-for-tests', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:tools' },
      ],
    });
  });
  afterAll(() => as.close());

  it('a public client from the config: loopback on any port, typed native, its scope a real limit', async () => {
    expect(await authorize(as.issuer, 'desktop-app', 'http://127.0.0.1:50505/callback')).toBe('accepted');
    expect(await authorize(as.issuer, 'desktop-app', 'http://127.0.0.1:50505/callback', 'mcp:tools mcp:admin')).toBe('redirect:invalid_scope');
    const client = await as.provider.Client.find('desktop-app');
    expect(client?.applicationType).toBe('native');
    expect(client?.tokenEndpointAuthMethod).toBe('none');
  });

  it('a confidential client from the config authenticates at the token endpoint', async () => {
    const res = await fetch(`${as.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('machine:machine-secret-for-tests').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'mcp:tools' }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.access_token).toEqual(expect.any(String));
  });

  it.each([
    [{ client_id: 'bad-redirect', redirect_uris: ['http://evil.example/callback'] }, /client "bad-redirect" is invalid: redirect_uris: "http:\/\/evil\.example\/callback" is not allowed/],
    [{ client_id: 'no-secret', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://app.example.com/cb'] }, /client "no-secret" is invalid: client_secret is mandatory/],
    [{ client_id: 'bad-grant', grant_types: ['password'], redirect_uris: ['https://app.example.com/cb'] }, /client "bad-grant" is invalid: grant_types/],
  ])('refuses to start with a wrong client, naming it: %j', async (client, message) => {
    const failed = startProvider({ clients: [client] });
    await expect(failed).rejects.toThrow(ConfigError);
    await expect(failed).rejects.toThrow(message);
  });
});

describe('installRegistrationRules', () => {
  it('refuses a provider whose configuration lost the rules (clientDefaults.application_type = null)', async () => {
    const config = resolveConfig({ publicUrl: 'http://127.0.0.1:1' });
    const registration = registrationConfiguration(config);
    const provider = new Provider('http://127.0.0.1:1', { ...(await baseConfiguration()), ...registration, clientDefaults: { token_endpoint_auth_method: 'none' } });
    await expect(installRegistrationRules(provider, config)).rejects.toThrow(/clientDefaults\.application_type = null/);
  });
});
