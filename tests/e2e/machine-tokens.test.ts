/**
 * Who may get a token without a user (client credentials), over real HTTP
 * against the authority demo: only a client the operator configured with
 * the grant, only for its configured scopes, and the token names no user.
 * A client that registers itself (DCR, under every policy) or describes
 * itself (a Client ID Metadata Document) never gets one, nor does a client
 * stored before that rule existed.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE, mcpPost, startTestProxy, type TestProxy } from '../proxy/harness.js';
import { startRecordingUpstream, type RecordingUpstream } from '../proxy/recording-upstream.js';
import { startDemo, startLocalHttps, tempStateDir, type LocalHttps } from './authority-harness.js';

type Demo = Awaited<ReturnType<typeof startDemo>>;
type Json = Record<string, unknown>;

const ROBOT = { client_id: 'robot', client_secret: 'robot-secret-for-tests-only-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:tools' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function post(url: string, body: URLSearchParams | Json, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const json = !(body instanceof URLSearchParams);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...headers },
    body: json ? JSON.stringify(body) : body,
  });
  return { status: response.status, body: (await response.json()) as Json };
}

function tokenRequest(demo: Demo, params: Record<string, string>, headers: Record<string, string> = {}) {
  return post(`${demo.origin}/oauth/token`, new URLSearchParams(params), headers);
}

/** A `tools/call` through the gate: the status only. */
async function callTool(demo: Demo, accessToken: string, name: string): Promise<number> {
  const response = await fetch(demo.mcpUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } }),
  });
  await response.body?.cancel();
  return response.status;
}

const SELF_REGISTERED = [
  ['client_credentials only, no redirect URIs', { grant_types: ['client_credentials'], redirect_uris: [], response_types: [], token_endpoint_auth_method: 'client_secret_basic' }],
  ['beside authorization_code, a loopback redirect', { grant_types: ['authorization_code', 'client_credentials'], redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'client_secret_basic' }],
  ['the jwt-bearer grant', { grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'], redirect_uris: [], response_types: [] }],
] as const;

describe.each(['open', 'allowlist'] as const)('dynamic registration under the %s policy', (dcr) => {
  const state = tempStateDir();
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo(state.path, { layers: { authority: { registration: { dcr, allowedRedirectHosts: ['app.example.com'] } } } });
  });
  afterAll(async () => {
    await demo.close();
    state.remove();
  });

  it.each(SELF_REGISTERED)('refuses a client asking for a grant without a user (%s) with invalid_client_metadata', async (_name, metadata) => {
    const registered = await post(`${demo.origin}/oauth/register`, metadata);
    expect(registered.status).toBe(400);
    expect(registered.body.error).toBe('invalid_client_metadata');
    expect(registered.body.error_description).toMatch(/grant_types: .* is not allowed: only clients the operator configured/);
  });

  it('still registers a client that signs users in', async () => {
    const registered = await post(`${demo.origin}/oauth/register`, { grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none' });
    expect(registered.status).toBe(201);
  });
});

describe('a client stored before the rule (or by hand) with client_credentials', () => {
  const state = tempStateDir();
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo(state.path, { layers: { authority: { clients: [ROBOT] } } });
  });
  afterAll(async () => {
    await demo.close();
    state.remove();
  });

  it('is refused at the token endpoint with unauthorized_client', async () => {
    // What a pre-fix DCR registration left in the store: the rules never see it again until it is used.
    const legacy = { client_id: `legacy-${randomUUID()}`, client_secret: 'legacy-secret-for-tests-only-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], token_endpoint_auth_method: 'client_secret_basic' };
    const clients = (demo.authority.provider.Client as unknown as { adapter: { upsert(id: string, payload: object, expiresIn: number): Promise<void> } }).adapter;
    await clients.upsert(legacy.client_id, legacy, 3600);
    const issued = await tokenRequest(demo, { grant_type: 'client_credentials', scope: 'mcp:tools' }, { authorization: basic(legacy.client_id, legacy.client_secret) });
    expect(issued.status).toBe(400);
    expect(issued.body).toMatchObject({ error: 'unauthorized_client' });
    expect(issued.body.error_description).toMatch(/only clients the operator configured/);
    expect(issued.body).not.toHaveProperty('access_token');
  });
});

describe('a client metadata document with private_key_jwt and client_credentials, DCR off', () => {
  const state = tempStateDir();
  let https: LocalHttps;
  let demo: Demo;
  beforeAll(async () => {
    https = await startLocalHttps();
    demo = await startDemo(state.path, { fetch: https.fetch, layers: { authority: { registration: { dcr: 'off' } } } });
  });
  afterAll(async () => {
    await demo.close();
    await https.close();
    state.remove();
  });

  it('gets no token', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const clientId = `${https.origin}/machine.json`;
    https.serveJson('/machine.json', {
      client_id: clientId,
      client_name: 'a machine nobody configured',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'm1', alg: 'ES256', use: 'sig' }] },
    });
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'm1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(`${demo.origin}/oauth/token`)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(privateKey);
    const issued = await tokenRequest(demo, {
      grant_type: 'client_credentials',
      scope: 'mcp:tools mcp:admin',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    expect(https.requests).toContain('/machine.json');
    expect(issued.status).toBeGreaterThanOrEqual(400);
    expect(issued.status).toBeLessThan(500);
    expect(issued.body).not.toHaveProperty('access_token');
    expect(String(issued.body.error_description)).toMatch(/only clients the operator configured/);
  });
});

describe('a configured machine client', () => {
  const state = tempStateDir();
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo(state.path, { layers: { authority: { clients: [ROBOT] } } });
  });
  afterAll(async () => {
    await demo.close();
    state.remove();
  });
  const robot = () => ({ authorization: basic(ROBOT.client_id, ROBOT.client_secret) });

  it('gets its configured scopes when it asks for none, and a token that names no user', async () => {
    const issued = await tokenRequest(demo, { grant_type: 'client_credentials' }, robot());
    expect(issued.status).toBe(200);
    expect(issued.body.scope).toBe('mcp:tools');
    const claims = decodeJwt(issued.body.access_token as string);
    expect(claims).toMatchObject({ client_id: 'robot', aud: demo.mcpUrl, scope: 'mcp:tools' });
    expect(claims).not.toHaveProperty('sub');
    expect(await callTool(demo, issued.body.access_token as string, 'whoami')).toBe(200);
    expect(await callTool(demo, issued.body.access_token as string, 'admin_report')).toBe(403);
  });

  it('is refused with invalid_scope when it asks for a scope it was not configured for', async () => {
    const issued = await tokenRequest(demo, { grant_type: 'client_credentials', scope: 'mcp:tools mcp:admin' }, robot());
    expect(issued.status).toBe(400);
    expect(issued.body.error).toBe('invalid_scope');
    expect(issued.body.error_description).toMatch(/mcp:admin is not configured for client "robot"/);
  });
});

describe('a machine token through the proxy', () => {
  let upstream: RecordingUpstream;
  let proxy: TestProxy;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    proxy = await startTestProxy({ upstream: upstream.url }, { layers: { authority: { clients: [ROBOT] } } });
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  it('tells the upstream the client and no subject, in the plain headers and the assertion', async () => {
    const issued = await post(`${proxy.publicUrl}/oauth/token`, new URLSearchParams({ grant_type: 'client_credentials', resource: proxy.mcpUrl }), {
      authorization: basic(ROBOT.client_id, ROBOT.client_secret),
    });
    expect(issued.status).toBe(200);
    const res = await fetch(proxy.mcpUrl, mcpPost(issued.body.access_token as string, INITIALIZE));
    expect(res.status).toBe(200);
    await res.body?.cancel();
    const { headers } = upstream.requests.at(-1)!;
    expect(headers['x-gatehouse-client-id']).toBe('robot');
    expect(headers['x-gatehouse-scopes']).toBe('mcp:tools');
    expect(headers).not.toHaveProperty('x-gatehouse-subject');
    const assertion = decodeJwt(String(headers['x-gatehouse-assertion']));
    expect(assertion).toMatchObject({ client_id: 'robot', scope: 'mcp:tools' });
    expect(assertion).not.toHaveProperty('sub');
  });
});

describe('configuration', () => {
  it('refuses to start with a machine client that has no scope', async () => {
    const state = tempStateDir();
    try {
      const { scope: _scope, ...unscoped } = ROBOT;
      await expect(startDemo(state.path, { layers: { authority: { clients: [unscoped] } } })).rejects.toThrow(/client "robot" has grant client_credentials but no scope/);
    } finally {
      state.remove();
    }
  });
});
