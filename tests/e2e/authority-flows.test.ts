/**
 * The authority's security properties over real HTTP, with plain `fetch` as
 * the client (what an attacker or a buggy client would send): PKCE, code
 * replay, redirect URI matching, refresh-token reuse, resource indicators,
 * audience binding at the gate, default scopes, client credentials.
 */
import { createHash, randomBytes } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationCodeFrom, headlessLogin } from '../helpers/headless-login.js';
import { startDemo, tempStateDir } from './authority-harness.js';

type Demo = Awaited<ReturnType<typeof startDemo>>;
type Json = Record<string, unknown>;

const ROBOT = { client_id: 'robot', client_secret: 'robot-secret-for-tests-only-0123456789' };
/** A public client the operator configured: its errors found before sign-in are redirected (a registered one's are shown here). */
const CONFIGURED_CLI = 'configured-cli';

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function register(demo: Demo, redirectUris: string[]): Promise<string> {
  const response = await fetch(`${demo.origin}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: redirectUris, grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as Json).client_id as string;
}

function authorizeUrl(demo: Demo, params: Record<string, string | undefined>): URL {
  const url = new URL(`${demo.origin}/oauth/authorize`);
  for (const [name, value] of Object.entries({ response_type: 'code', state: 'st', ...params })) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

/** The first answer of the authorization endpoint, without following it. */
async function firstHop(url: URL): Promise<{ status: number; location: URL | undefined; body: string }> {
  const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
  const location = response.headers.get('location');
  return { status: response.status, location: location ? new URL(location, url) : undefined, body: await response.text() };
}

async function token(demo: Demo, params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${demo.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** Signs `login` in for `clientId` and returns the callback URL. */
async function signIn(demo: Demo, clientId: string, redirectUri: string, extra: Record<string, string | undefined> = {}) {
  const { verifier, challenge } = pkce();
  const url = authorizeUrl(demo, {
    client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256',
    resource: demo.mcpUrl, scope: 'mcp:tools', ...extra,
  });
  const callback = await headlessLogin(url, { login: 'mallory-test', password: '' });
  return { callback, verifier };
}

async function codeTokens(demo: Demo, clientId: string, redirectUri: string, extra: Record<string, string | undefined> = {}): Promise<Json> {
  const { callback, verifier } = await signIn(demo, clientId, redirectUri, extra);
  const exchanged = await token(demo, { grant_type: 'authorization_code', code: authorizationCodeFrom(callback), redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier });
  expect(exchanged.status).toBe(200);
  return exchanged.body;
}

/** An MCP `initialize` through the gate with `accessToken`: the status and the challenge. */
async function mcpStatus(demo: Demo, accessToken: string): Promise<{ status: number; challenge: string | null }> {
  const response = await fetch(demo.mcpUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
  await response.body?.cancel();
  return { status: response.status, challenge: response.headers.get('www-authenticate') };
}

const LOOPBACK = 'http://127.0.0.1/callback';
const state = tempStateDir();
let demo: Demo;
let publicClient: string;

beforeAll(async () => {
  demo = await startDemo(state.path, {
    layers: {
      authority: {
        clients: [
          { ...ROBOT, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:tools' },
          { client_id: CONFIGURED_CLI, redirect_uris: [LOOPBACK] },
        ],
      },
    },
  });
  publicClient = await register(demo, [LOOPBACK]);
});
afterAll(async () => {
  await demo.close();
  state.remove();
});

describe('PKCE', () => {
  it('refuses an authorization request without a code challenge', async () => {
    const { location } = await firstHop(authorizeUrl(demo, { client_id: CONFIGURED_CLI, redirect_uri: 'http://127.0.0.1:5000/callback', resource: demo.mcpUrl }));
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.get('error_description')).toMatch(/requires PKCE/);
    // RFC 9207: errors name the issuer too.
    expect(location?.searchParams.get('iss')).toBe(demo.origin);
  });

  it('refuses code_challenge_method=plain', async () => {
    const { verifier } = pkce();
    const url = authorizeUrl(demo, { client_id: CONFIGURED_CLI, redirect_uri: 'http://127.0.0.1:5000/callback', code_challenge: verifier, code_challenge_method: 'plain' });
    const { location } = await firstHop(url);
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.get('error_description')).toMatch(/code_challenge_method/);
  });

  it('refuses a token request whose verifier does not match', async () => {
    const { callback } = await signIn(demo, publicClient, 'http://127.0.0.1:5001/callback');
    const exchanged = await token(demo, {
      grant_type: 'authorization_code', code: authorizationCodeFrom(callback), redirect_uri: 'http://127.0.0.1:5001/callback', client_id: publicClient, code_verifier: pkce().verifier,
    });
    expect(exchanged).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });
});

describe('authorization codes', () => {
  it('sends the issuer with the code (RFC 9207) and grants the default scope when none is asked', async () => {
    const { callback, verifier } = await signIn(demo, publicClient, 'http://127.0.0.1:5002/callback', { scope: undefined, resource: undefined });
    expect(callback.searchParams.get('iss')).toBe(demo.origin);
    const exchanged = await token(demo, { grant_type: 'authorization_code', code: authorizationCodeFrom(callback), redirect_uri: 'http://127.0.0.1:5002/callback', client_id: publicClient, code_verifier: verifier });
    expect(exchanged.body).toMatchObject({ token_type: 'Bearer', scope: 'mcp:tools' });
    expect(typeof exchanged.body.refresh_token).toBe('string');
    expect((await mcpStatus(demo, exchanged.body.access_token as string)).status).toBe(200);
  });

  it('refuses a replayed code and revokes what the first use issued, access token included', async () => {
    const redirectUri = 'http://127.0.0.1:5003/callback';
    const { callback, verifier } = await signIn(demo, publicClient, redirectUri);
    const params = { grant_type: 'authorization_code', code: authorizationCodeFrom(callback), redirect_uri: redirectUri, client_id: publicClient, code_verifier: verifier };
    const first = await token(demo, params);
    expect(first.status).toBe(200);
    expect((await mcpStatus(demo, first.body.access_token as string)).status).toBe(200);

    expect(await token(demo, params)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const refresh = await token(demo, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string, client_id: publicClient });
    expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const gate = await mcpStatus(demo, first.body.access_token as string);
    expect(gate.status).toBe(401);
    expect(gate.challenge).toMatch(/error="invalid_token", error_description="The authorization behind this token was revoked/);
  });
});

describe('one-time use under concurrency', () => {
  it('of ten concurrent redemptions of one code exactly one gets tokens, and the race revokes them (five rounds)', async () => {
    for (let round = 0; round < 5; round++) {
      const redirectUri = `http://127.0.0.1:${5100 + round}/callback`;
      const { callback, verifier } = await signIn(demo, publicClient, redirectUri);
      const params = { grant_type: 'authorization_code', code: authorizationCodeFrom(callback), redirect_uri: redirectUri, client_id: publicClient, code_verifier: verifier };
      const answers = await Promise.all(Array.from({ length: 10 }, () => token(demo, params)));
      const won = answers.filter((a) => a.status === 200);
      expect(won).toHaveLength(1);
      for (const lost of answers.filter((a) => a.status !== 200)) expect(lost).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      // Two redemptions at once mean the code leaked: what the winner got dies with the grant, as for a replay in sequence.
      expect((await mcpStatus(demo, won[0]!.body.access_token as string)).status).toBe(401);
    }
  });
});

describe('one-time use of refresh tokens without a grace window', () => {
  const noGraceState = tempStateDir();
  let noGrace: Demo;
  beforeAll(async () => {
    noGrace = await startDemo(noGraceState.path, { layers: { authority: { refreshGraceSec: 0 } } });
  });
  afterAll(async () => {
    await noGrace.close();
    noGraceState.remove();
  });

  it('of ten concurrent rotations of one refresh token exactly one succeeds (five rounds)', async () => {
    const clientId = await register(noGrace, [LOOPBACK]);
    for (let round = 0; round < 5; round++) {
      const tokens = await codeTokens(noGrace, clientId, `http://127.0.0.1:${5200 + round}/callback`);
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => token(noGrace, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: clientId })),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      for (const lost of answers.filter((a) => a.status !== 200)) expect(lost).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    }
  });
});

describe('redirect URIs', () => {
  it('accepts any port on a registered loopback redirect (RFC 8252)', async () => {
    const { callback } = await signIn(demo, publicClient, 'http://127.0.0.1:61234/callback');
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
  });

  it.each([
    ['localhost instead of 127.0.0.1', 'http://localhost:5004/callback'],
    ['another path', 'http://127.0.0.1:5004/other'],
    ['an added query', 'http://127.0.0.1:5004/callback?x=1'],
  ])('refuses %s, without redirecting there', async (_name, redirectUri) => {
    const { challenge } = pkce();
    const { status, location, body } = await firstHop(authorizeUrl(demo, { client_id: publicClient, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' }));
    expect(status).toBe(400);
    expect(location).toBeUndefined();
    expect(body).toMatch(/redirect_uri/);
  });

  it('matches https redirects exactly', async () => {
    const clientId = await register(demo, ['https://app.example.com/cb']);
    const { challenge } = pkce();
    const ask = (redirectUri: string) =>
      firstHop(authorizeUrl(demo, { client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' }));
    expect((await ask('https://app.example.com/cb')).location?.pathname).toMatch(/^\/oauth\/interaction\//);
    expect((await ask('https://app.example.com/cb/')).status).toBe(400);
    expect((await ask('https://app.example.com:8443/cb')).status).toBe(400);
  });

  it('shows an escaped error page for an unknown client', async () => {
    const { status, body } = await firstHop(authorizeUrl(demo, { client_id: '<script>alert(1)</script>', redirect_uri: LOOPBACK }));
    expect(status).toBe(400);
    expect(body).not.toContain('<script>');
    expect(body).toMatch(/invalid_client/);
  });
});

describe('resource indicators', () => {
  it('refuses a resource that is not the MCP endpoint with invalid_target', async () => {
    const { challenge } = pkce();
    const url = authorizeUrl(demo, {
      client_id: CONFIGURED_CLI, redirect_uri: 'http://127.0.0.1:5005/callback', code_challenge: challenge, code_challenge_method: 'S256', resource: 'https://other.example/mcp',
    });
    expect((await firstHop(url)).location?.searchParams.get('error')).toBe('invalid_target');
  });

  it('refuses to refresh into another resource', async () => {
    const tokens = await codeTokens(demo, publicClient, 'http://127.0.0.1:5006/callback');
    const refresh = await token(demo, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: publicClient, resource: `${demo.origin}/other` });
    expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
  });

  it('the gate refuses a token the authority signed for another audience', async () => {
    const jwk = demo.authority.keys.jwks.keys[0] as JWK & { kid: string; alg: string };
    const key = await importJWK(jwk, jwk.alg);
    const forged = await new SignJWT({ scope: 'mcp:tools', client_id: publicClient })
      .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'at+jwt' })
      .setIssuer(demo.origin).setAudience(`${demo.origin}/another-mcp`).setSubject('eve').setIssuedAt().setExpirationTime('5m')
      .sign(key);
    const gate = await mcpStatus(demo, forged);
    expect(gate.status).toBe(401);
    expect(gate.challenge).toMatch(/error="invalid_token".*audience/);
  });
});

describe('refresh tokens', () => {
  it('within the grace window, a rotated token still works and two concurrent refreshes both succeed', async () => {
    const tokens = await codeTokens(demo, publicClient, 'http://127.0.0.1:5007/callback');
    const refresh = () => token(demo, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: publicClient });
    const [a, b] = await Promise.all([refresh(), refresh()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const late = await refresh();
    expect(late.status).toBe(200);
    for (const answer of [a, b, late]) {
      expect(answer.body.refresh_token).not.toBe(tokens.refresh_token);
      expect((await mcpStatus(demo, answer.body.access_token as string)).status).toBe(200);
    }
  });
  it('two rotations of one token inside the grace window leave one chain: once a sibling is used, the others are refused', async () => {
    const tokens = await codeTokens(demo, publicClient, 'http://127.0.0.1:5009/callback');
    const refresh = (refreshToken: unknown) => token(demo, { grant_type: 'refresh_token', refresh_token: refreshToken as string, client_id: publicClient });
    const [a, b] = await Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)]);
    const late = await refresh(tokens.refresh_token);
    expect([a.status, b.status, late.status]).toEqual([200, 200, 200]);
    // The newest sibling carries the chain on; the session is not ended by the others being refused.
    const next = await refresh(late.body.refresh_token);
    expect(next.status).toBe(200);
    for (const sibling of [a, b]) expect(await refresh(sibling.body.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // The original is past its use too: its child has been used.
    expect(await refresh(tokens.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await refresh(next.body.refresh_token)).status).toBe(200);
  });
});

describe('refresh tokens after the grace window', () => {
  const strictState = tempStateDir();
  let strict: Demo;
  beforeAll(async () => {
    strict = await startDemo(strictState.path, { layers: { authority: { refreshGraceSec: 1 } } });
  });
  afterAll(async () => {
    await strict.close();
    strictState.remove();
  });

  it('refuses the reused token and ends the session', async () => {
    const clientId = await register(strict, [LOOPBACK]);
    const tokens = await codeTokens(strict, clientId, 'http://127.0.0.1:5008/callback');
    const rotated = await token(strict, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: clientId });
    expect(rotated.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const reused = await token(strict, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: clientId });
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // Reuse means theft: the newer refresh token and its access token die with the grant.
    const newer = await token(strict, { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token as string, client_id: clientId });
    expect(newer).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await mcpStatus(strict, rotated.body.access_token as string)).status).toBe(401);
  });
});

describe('client credentials', () => {
  it('a configured confidential client gets a token the gate accepts', async () => {
    const basic = `Basic ${Buffer.from(`${ROBOT.client_id}:${ROBOT.client_secret}`).toString('base64')}`;
    const issued = await token(demo, { grant_type: 'client_credentials', scope: 'mcp:tools' }, { authorization: basic });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', scope: 'mcp:tools' });
    expect(issued.body).not.toHaveProperty('refresh_token');
    expect((await mcpStatus(demo, issued.body.access_token as string)).status).toBe(200);

    const wrong = await token(demo, { grant_type: 'client_credentials' }, { authorization: `Basic ${Buffer.from('robot:nope').toString('base64')}` });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });
});

describe('browsers', () => {
  it('lets a page on another origin call the token endpoint for a public client (MCP Inspector)', async () => {
    const response = await fetch(`${demo.origin}/oauth/token`, {
      method: 'POST',
      headers: { origin: 'http://localhost:6274', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'unknown', client_id: publicClient }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    expect(response.status).toBe(400);
  });

  it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/mcp', '/.well-known/openid-configuration/mcp'])(
    '%s answers CORS, found or not',
    async (path) => {
      const response = await fetch(`${demo.origin}${path}`, { headers: { origin: 'http://localhost:6274' } });
      expect(response.status).toBe(path.endsWith('/mcp') ? 404 : 200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      await response.body?.cancel();
    },
  );

  it('answers the registration endpoint\'s preflight', async () => {
    const response = await fetch(`${demo.origin}/oauth/register`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toMatch(/\bPOST\b/);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/content-type/i);
  });
});
