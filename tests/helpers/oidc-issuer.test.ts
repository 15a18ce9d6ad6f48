/**
 * The test authorization servers and the headless sign-in, on their own:
 * registration, authorization code with PKCE, token, refresh, introspection.
 * If these fail, every end-to-end test fails for a reason that is not Gatehouse's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationCodeFrom, headlessLogin } from './headless-login.js';
import { startMcpReadyIssuer, startPlainIssuer, type OidcIssuer, type PlainIssuer } from './oidc-issuer.js';

const RESOURCE = 'http://127.0.0.1:9/mcp';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(issuer: string, params: Record<string, string>): URL {
  const url = new URL('/auth', issuer);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url;
}

async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('mcp-ready oidc-provider', () => {
  let as: OidcIssuer;
  beforeAll(async () => {
    as = await startMcpReadyIssuer({ resource: RESOURCE });
  });
  afterAll(async () => {
    await as?.close();
  });

  it('registers a client without application_type, signs alice in on any loopback port, and issues a JWT for the resource', async () => {
    const metadata = await (await fetch(`${as.issuer}/.well-known/openid-configuration`)).json();
    expect(metadata.issuer).toBe(as.issuer);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);

    const registration = await fetch(metadata.registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(registration.status).toBe(201);
    const client = (await registration.json()) as { client_id: string; application_type: string };
    expect(client.application_type).toBe('native');

    const { verifier, challenge } = pkce();
    const redirectUri = 'http://127.0.0.1:54321/callback';
    const callback = await headlessLogin(
      authorizeUrl(as.issuer, {
        client_id: client.client_id,
        response_type: 'code',
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'xyz',
        resource: RESOURCE,
      }),
      { login: 'alice' },
    );
    expect(callback.searchParams.get('state')).toBe('xyz');
    expect(callback.searchParams.get('iss')).toBe(as.issuer);

    const token = await postForm(metadata.token_endpoint, {
      grant_type: 'authorization_code',
      code: authorizationCodeFrom(callback),
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: client.client_id,
      resource: RESOURCE,
    });
    expect(token.status).toBe(200);
    expect(token.body.refresh_token).toEqual(expect.any(String));
    const accessToken = token.body.access_token as string;
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    const { payload } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(metadata.jwks_uri)), {
      issuer: as.issuer,
      audience: RESOURCE,
    });
    // The default scope was filled in for a request that asked for none.
    expect(payload).toMatchObject({ sub: 'alice', client_id: client.client_id, scope: 'mcp:tools' });

    const refreshed = await postForm(metadata.token_endpoint, {
      grant_type: 'refresh_token',
      refresh_token: token.body.refresh_token as string,
      client_id: client.client_id,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).toEqual(expect.any(String));
  });

  it('refuses a resource it does not know', async () => {
    const { challenge } = pkce();
    const reg = await fetch(`${as.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' }),
    });
    const { client_id } = (await reg.json()) as { client_id: string };
    const callback = await headlessLogin(
      authorizeUrl(as.issuer, {
        client_id,
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1:1/cb',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: 'http://127.0.0.1:9/other',
      }),
    );
    expect(callback.searchParams.get('error')).toBe('invalid_target');
  });
});

describe('plain oidc-provider', () => {
  let as: PlainIssuer;
  beforeAll(async () => {
    as = await startPlainIssuer();
  });
  afterAll(async () => {
    await as?.close();
  });

  it('has no DCR, issues opaque tokens to the pre-registered public client, and introspects them', async () => {
    const metadata = await (await fetch(`${as.issuer}/.well-known/openid-configuration`)).json();
    expect(metadata.registration_endpoint).toBeUndefined();
    expect(metadata.introspection_endpoint).toEqual(expect.any(String));

    const { verifier, challenge } = pkce();
    const redirectUri = 'http://127.0.0.1:40404/callback';
    const callback = await headlessLogin(
      authorizeUrl(as.issuer, {
        client_id: as.publicClientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'mcp:tools mcp:admin',
        // Ignored: this server has no resource indicators (MCP clients send it anyway).
        resource: 'http://127.0.0.1:9/mcp',
      }),
      { login: 'bob' },
    );
    const token = await postForm(metadata.token_endpoint, {
      grant_type: 'authorization_code',
      code: authorizationCodeFrom(callback),
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: as.publicClientId,
    });
    expect(token.status).toBe(200);
    const accessToken = token.body.access_token as string;
    expect(accessToken.split('.')).toHaveLength(1);

    const basic = Buffer.from(`${as.introspectionClient.clientId}:${as.introspectionClient.clientSecret}`).toString('base64');
    const introspection = await postForm(metadata.introspection_endpoint, { token: accessToken }, { authorization: `Basic ${basic}` });
    expect(introspection.status).toBe(200);
    expect(introspection.body).toMatchObject({ active: true, sub: 'bob', client_id: as.publicClientId, scope: 'mcp:tools mcp:admin' });

    // The public client itself may not introspect.
    const byPublic = await postForm(metadata.introspection_endpoint, { token: accessToken, client_id: as.publicClientId });
    expect(byPublic.body.active).toBe(false);
  });
});
