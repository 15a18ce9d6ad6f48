/**
 * MCP 2026-07-28 on the authority, over real HTTP with the demo as
 * `gatehouse demo` starts it, configured by an operator who lists
 * `offline_access` among the required and a tool's scopes:
 *
 * - RFC 9207 (SEP-2468): every redirect back to the client from the
 *   authorization endpoint names the issuer in `iss`, errors included (the
 *   user cancelling the sign-in or refusing consent, `invalid_scope`,
 *   `unsupported_response_type`, `login_required`), and the metadata says so.
 * - SEP-2207: `offline_access` is in no `scopes_supported` and no challenge
 *   (401 or 403), so the SDK client never asks for it, and a public client
 *   that registered the `refresh_token` grant still gets a refresh token
 *   without it, rotated on every use.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationCodeFrom, headlessLogin } from '../helpers/headless-login.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, signInWithSdk, startDemo, tempStateDir } from './authority-harness.js';

type Demo = Awaited<ReturnType<typeof startDemo>>;
type Json = Record<string, unknown>;

const LOOPBACK = 'http://127.0.0.1/callback';
/** Configured clients keep the redirects of errors found before any page (a registered one's are shown on Gatehouse's page). */
const CONFIGURED = 'configured-cli';
/** A configured client limited to `openid`: asking for another OpenID scope is `invalid_scope`. */
const OPENID_ONLY = 'openid-only-cli';

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(demo: Demo, clientId: string, params: Record<string, string> = {}): { url: URL; verifier: string } {
  const { verifier, challenge } = pkce();
  const url = new URL(`${demo.origin}/oauth/authorize`);
  for (const [name, value] of Object.entries({
    response_type: 'code', client_id: clientId, redirect_uri: LOOPBACK, scope: 'mcp:tools', state: 'st',
    code_challenge: challenge, code_challenge_method: 'S256', resource: demo.mcpUrl, ...params,
  })) url.searchParams.set(name, value);
  return { url, verifier };
}

/** The first answer of the authorization endpoint: where it sends the browser. */
async function firstRedirect(url: URL): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
  await response.body?.cancel();
  expect(response.status).toBe(303);
  return new URL(response.headers.get('location')!, url);
}

async function register(demo: Demo): Promise<string> {
  const response = await fetch(`${demo.origin}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [LOOPBACK], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as Json).client_id as string;
}

async function token(demo: Demo, params: Record<string, string>): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${demo.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** A POST to the MCP endpoint: its status and challenge. */
async function mcpPost(demo: Demo, body: unknown, accessToken?: string): Promise<{ status: number; challenge: string }> {
  const response = await fetch(demo.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
    body: JSON.stringify(body),
  });
  await response.body?.cancel();
  return { status: response.status, challenge: response.headers.get('www-authenticate') ?? '' };
}

function scopeOf(challenge: string): string[] {
  return (/scope="([^"]*)"/.exec(challenge)?.[1] ?? '').split(' ').filter(Boolean);
}

const state = tempStateDir();
let demo: Demo;
let registered: string;

beforeAll(async () => {
  demo = await startDemo(state.path, {
    layers: {
      scopes: { required: ['mcp:tools', 'offline_access'], tools: { admin_report: ['mcp:admin', 'offline_access'] } },
      // No grace window: a rotated refresh token is refused at once, so rotation is visible.
      authority: { store: 'memory', refreshGraceSec: 0, clients: [{ client_id: CONFIGURED, redirect_uris: [LOOPBACK] }, { client_id: OPENID_ONLY, redirect_uris: [LOOPBACK], scope: 'openid' }] },
    },
  });
  registered = await register(demo);
});
afterAll(async () => {
  await demo.close();
  state.remove();
});

describe('RFC 9207: every redirect to the client names the issuer', () => {
  it('advertises authorization_response_iss_parameter_supported in both metadata documents', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const body = (await (await fetch(`${demo.origin}${path}`)).json()) as Json;
      expect(body).toMatchObject({ issuer: demo.origin, authorization_response_iss_parameter_supported: true });
    }
  });

  it('on success, with the code', async () => {
    const callback = await headlessLogin(authorizeUrl(demo, registered).url, { login: 'iss-ok' });
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
    expect(callback.searchParams.get('iss')).toBe(demo.origin);
  });

  it.each([
    ['a registered', () => registered],
    ['a configured', () => CONFIGURED],
  ])('on access_denied when the user cancels the sign-in, for %s client', async (_kind, clientId) => {
    const callback = await headlessLogin(authorizeUrl(demo, clientId()).url, { login: 'canceller', cancelSignIn: true });
    expect(Object.fromEntries(callback.searchParams)).toEqual({
      error: 'access_denied', error_description: 'The user cancelled the sign-in', state: 'st', iss: demo.origin,
    });
  });

  it('on access_denied when the user refuses consent', async () => {
    const callback = await headlessLogin(authorizeUrl(demo, registered).url, { login: 'refuser', deny: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('iss')).toBe(demo.origin);
  });

  // An implicit response_type answers in the fragment (its default response mode), the others in the query.
  it.each([
    ['invalid_scope for a scope with invalid characters', CONFIGURED, { scope: 'mcp:tools "quoted"' }, 'invalid_scope', 'query'],
    ['invalid_scope for a scope the client may not ask for', OPENID_ONLY, { scope: 'mcp:tools profile' }, 'invalid_scope', 'query'],
    ['unsupported_response_type', CONFIGURED, { response_type: 'token' }, 'unsupported_response_type', 'fragment'],
    ['login_required for prompt=none without a session', CONFIGURED, { prompt: 'none' }, 'login_required', 'query'],
  ])('on %s', async (_case, clientId, params, error, mode) => {
    const location = await firstRedirect(authorizeUrl(demo, clientId, params).url);
    expect(`${location.origin}${location.pathname}`).toBe(LOOPBACK);
    const answer = mode === 'fragment' ? new URLSearchParams(location.hash.slice(1)) : location.searchParams;
    expect(answer.get('error')).toBe(error);
    expect(answer.get('state')).toBe('st');
    expect(answer.get('iss')).toBe(demo.origin);
  });
});

describe('SEP-2207: offline_access is never advertised or challenged', () => {
  it('is in no scopes_supported: protected-resource and authorization-server metadata', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-authorization-server', '/.well-known/openid-configuration',
    ]) {
      const { scopes_supported: scopes } = (await (await fetch(`${demo.origin}${path}`)).json()) as { scopes_supported: string[] };
      expect(scopes, path).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));
      expect(scopes, path).not.toContain('offline_access');
    }
  });

  it('is not in the 401 challenge, which still names the required scope', async () => {
    const { status, challenge } = await mcpPost(demo, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(status).toBe(401);
    expect(scopeOf(challenge)).toEqual(['mcp:tools']);
  });

  it('is not in the 403 step-up of a tool whose scopes name it', async () => {
    const tokens = await signInTokens(registered, 'stepper');
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'admin_report', arguments: {} } };
    const { status, challenge } = await mcpPost(demo, call, tokens.access_token as string);
    expect(status).toBe(403);
    expect(challenge).toMatch(/error="insufficient_scope"/);
    expect(scopeOf(challenge).sort()).toEqual(['mcp:admin', 'mcp:tools']);
  });

  it('is never asked for by the SDK client, which still gets a refresh token', async () => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47653/callback' });
    const client = await signInWithSdk(demo.mcpUrl, provider, 'sdk-user');
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'sdk-user', scopes: ['mcp:tools'] });
    await client.close();
    const [asked] = provider.authorizationUrls;
    expect(asked?.searchParams.get('scope')).toBe('mcp:tools');
    expect(asked?.searchParams.has('prompt')).toBe(false);
    expect(provider.tokens()?.refresh_token).toEqual(expect.any(String));
  });
});

/** Signs `login` in for `clientId` (scope `mcp:tools`, no offline_access) and redeems the code. */
async function signInTokens(clientId: string, login: string): Promise<Json> {
  const { url, verifier } = authorizeUrl(demo, clientId);
  const callback = await headlessLogin(url, { login });
  const redeemed = await token(demo, { grant_type: 'authorization_code', code: authorizationCodeFrom(callback), redirect_uri: LOOPBACK, client_id: clientId, code_verifier: verifier });
  expect(redeemed.status).toBe(200);
  return redeemed.body;
}

describe('refresh tokens for public clients without offline_access', () => {
  it('are issued with the code and rotated on every use: the new one works, the old one is refused', async () => {
    const first = await signInTokens(registered, 'rotator');
    expect(first.scope).toBe('mcp:tools');
    expect(first.refresh_token).toEqual(expect.any(String));

    const rotated = await token(demo, { grant_type: 'refresh_token', refresh_token: first.refresh_token as string, client_id: registered });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).toEqual(expect.any(String));
    expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
    const initialize = { jsonrpc: '2.0', id: 3, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
    expect((await mcpPost(demo, initialize, rotated.body.access_token as string)).status).toBe(200);

    const replayed = await token(demo, { grant_type: 'refresh_token', refresh_token: first.refresh_token as string, client_id: registered });
    expect(replayed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });
});
