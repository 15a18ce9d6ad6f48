/**
 * The authorization endpoint is no open redirector (review finding 7, RFC
 * 9700 §4.11.2): a self-registered (DCR) or metadata-document (CIMD) client
 * whose redirect URI is an attacker's gets Gatehouse's own error page for a
 * request that fails before the user sees anything, never a redirect there.
 * Configured clients keep their error redirects, and an error after the user
 * acted (refusing consent) is redirected as before.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headlessLogin } from '../helpers/headless-login.js';
import { startDemo, startLocalHttps, tempStateDir, type LocalHttps } from './authority-harness.js';

type Demo = Awaited<ReturnType<typeof startDemo>>;

const ATTACKER = 'https://attacker.example/cb';
const CONFIGURED = { client_id: 'configured-app', redirect_uris: ['https://app.example.com/cb'] };

function challenge(): string {
  return createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
}

/** Requests that fail on the first pass, before any page is shown. */
const FAILING = ['without PKCE', 'with code_challenge_method=plain', 'for another resource'] as const;

function failingParams(demo: Demo, which: (typeof FAILING)[number]): Record<string, string> {
  if (which === 'without PKCE') return { resource: demo.mcpUrl };
  if (which === 'with code_challenge_method=plain') return { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' };
  return { code_challenge: challenge(), code_challenge_method: 'S256', resource: 'https://other.example/mcp' };
}

function authorizeUrl(demo: Demo, clientId: string, redirectUri: string, params: Record<string, string>): URL {
  const url = new URL(`${demo.origin}/oauth/authorize`);
  for (const [name, value] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'mcp:tools', state: 'st', ...params })) {
    url.searchParams.set(name, value);
  }
  return url;
}

async function firstHop(url: URL): Promise<{ status: number; location: string | null; type: string | null; body: string }> {
  const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
  return { status: response.status, location: response.headers.get('location'), type: response.headers.get('content-type'), body: await response.text() };
}

const state = tempStateDir();
let https: LocalHttps;
let demo: Demo;
let dcrClient: string;
let cimdClient: string;

beforeAll(async () => {
  https = await startLocalHttps();
  demo = await startDemo(state.path, { fetch: https.fetch, layers: { authority: { store: 'memory', clients: [CONFIGURED] } } });
  const registered = await fetch(`${demo.origin}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [ATTACKER], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }),
  });
  expect(registered.status).toBe(201);
  dcrClient = ((await registered.json()) as { client_id: string }).client_id;
  cimdClient = `${https.origin}/client.json`;
  https.serveJson('/client.json', {
    client_id: cimdClient, client_name: 'Not an attacker', redirect_uris: [ATTACKER],
    grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none',
  });
});
afterAll(async () => {
  await demo.close();
  await https.close();
  state.remove();
});

describe.each([
  ['a DCR client', () => dcrClient],
  ['a CIMD client', () => cimdClient],
])('%s with an attacker\'s redirect URI', (_kind, clientId) => {
  it.each(FAILING)('gets Gatehouse\'s error page, not a redirect, for a request %s', async (which) => {
    const { status, location, type, body } = await firstHop(authorizeUrl(demo, clientId(), ATTACKER, failingParams(demo, which)));
    expect(location).toBeNull();
    expect(status).toBe(400);
    expect(type).toMatch(/^text\/html/);
    expect(body).toMatch(/Something went wrong/);
    expect(body).toMatch(/invalid_request|invalid_target/);
  });

  it('is still redirected with access_denied when the user refuses at consent', async () => {
    const url = authorizeUrl(demo, clientId(), ATTACKER, { code_challenge: challenge(), code_challenge_method: 'S256', resource: demo.mcpUrl });
    const callback = await headlessLogin(url, { login: 'refuser', password: '', deny: true });
    expect(callback.origin).toBe('https://attacker.example');
    expect(callback.searchParams.get('error')).toBe('access_denied');
  });
});

describe('a configured client', () => {
  it.each(FAILING)('keeps the error redirect to its own redirect URI for a request %s', async (which) => {
    const { status, location } = await firstHop(authorizeUrl(demo, CONFIGURED.client_id, CONFIGURED.redirect_uris[0]!, failingParams(demo, which)));
    expect(status).toBe(303);
    const target = new URL(location!);
    expect(`${target.origin}${target.pathname}`).toBe(CONFIGURED.redirect_uris[0]);
    expect(target.searchParams.get('error')).toMatch(/invalid_request|invalid_target/);
    expect(target.searchParams.get('iss')).toBe(demo.origin);
  });
});

describe('a client nobody knows', () => {
  it('gets the error page, 400 (the rule has no client to look at and must not break)', async () => {
    const hop = await firstHop(authorizeUrl(demo, 'nobody-registered-this', ATTACKER, { code_challenge: challenge(), code_challenge_method: 'S256', resource: demo.mcpUrl }));
    expect(hop.status).toBe(400);
    expect(hop.location).toBeNull();
    expect(hop.type).toMatch(/^text\/html/);
    expect(hop.body).toContain('invalid_client');
  });
});
