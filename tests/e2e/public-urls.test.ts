/**
 * Every URL the authority publishes or redirects to comes from PUBLIC_URL,
 * never from the request (review findings 3 and 4): a forged `Host` or
 * `X-Forwarded-*` cannot rewrite a cached discovery document, and behind a
 * TLS terminator (plain http to Node) the sign-in stays on https with
 * `Secure` cookies. The demo runs on loopback, as `gatehouse demo` starts
 * it, with a PUBLIC_URL that is not the address it listens on.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationCodeFrom, headlessLogin } from '../helpers/headless-login.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startDemo, tempStateDir } from './authority-harness.js';

type Demo = Awaited<ReturnType<typeof startDemo>>;

const PUBLIC = 'https://mcp.example.com';
const REDIRECT_URI = 'http://127.0.0.1/callback';
const FORGED = {
  host: 'evil.example',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'http',
  forwarded: 'for=192.0.2.1;host=evil.example;proto=http',
};

/** Every string in a JSON value that looks like an absolute URL, with where it was found. */
function urlsIn(value: unknown, path = '$'): [string, string][] {
  if (typeof value === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? [[path, value]] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => urlsIn(item, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => urlsIn(item, `${path}.${key}`));
  return [];
}

function onPublicOrigin(url: string): boolean {
  return url === PUBLIC || url.startsWith(`${PUBLIC}/`);
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function loopbackOrigin(demo: Demo): string {
  return `http://127.0.0.1:${demo.listening.port}`;
}

function authorizePath(clientId: string, challenge: string): string {
  const params = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256',
    scope: 'mcp:tools', resource: `${PUBLIC}/mcp`, state: 'st',
  });
  return `/oauth/authorize?${params}`;
}

describe.each([
  ['GATEHOUSE_TRUST_PROXY off', false],
  ['GATEHOUSE_TRUST_PROXY on', true],
])('with a forged Host and X-Forwarded-*, %s', (_name, trustProxy) => {
  const state = tempStateDir();
  let demo: Demo;
  let origin: string;
  beforeAll(async () => {
    demo = await startDemo(state.path, { layers: { publicUrl: PUBLIC, trustProxy, authority: { store: 'memory' } } });
    origin = loopbackOrigin(demo);
  });
  afterAll(async () => {
    await demo.close();
    state.remove();
  });

  it.each([
    '/.well-known/oauth-authorization-server',
    '/.well-known/openid-configuration',
    '/.well-known/oauth-protected-resource',
    '/.well-known/oauth-protected-resource/mcp',
  ])('%s names only the configured origin', async (path) => {
    const response = await rawRequest(`${origin}${path}`, { headers: FORGED });
    expect(response.status).toBe(200);
    const urls = urlsIn(JSON.parse(response.body));
    // The documents are full of URLs: an empty walk would prove nothing.
    expect(urls.length).toBeGreaterThanOrEqual(path.includes('protected-resource') ? 2 : 5);
    expect(urls.filter(([, url]) => !onPublicOrigin(url))).toEqual([]);
    expect(response.body).not.toContain('evil.example');
  });

  it('the 401 challenge points at the configured metadata URL', async () => {
    const response = await rawRequest(`${origin}/mcp`, { method: 'POST', headers: { ...FORGED, 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain(`resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource/mcp"`);
    expect(response.headers['www-authenticate']).not.toContain('evil.example');
  });

  it('the registration answer and the first authorization redirect stay on the configured origin', async () => {
    const registered = await rawRequest(`${origin}/oauth/register`, {
      method: 'POST',
      headers: { ...FORGED, 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }),
    });
    expect(registered.status).toBe(201);
    const client = JSON.parse(registered.body) as Record<string, unknown>;
    // The client's own redirect URIs are its to choose; everything else is ours.
    const urls = urlsIn({ ...client, redirect_uris: undefined });
    expect(urls.filter(([, url]) => !onPublicOrigin(url))).toEqual([]);

    const first = await rawRequest(`${origin}${authorizePath(client.client_id as string, pkce().challenge)}`, { headers: { ...FORGED, accept: 'text/html' } });
    expect(first.status).toBe(303);
    const location = new URL(first.headers.location!, PUBLIC);
    expect(location.origin).toBe(PUBLIC);
    expect(first.headers.location).not.toContain('evil.example');
  });
});

describe('behind a TLS terminator: PUBLIC_URL is https, the hop to Node plain http', () => {
  const state = tempStateDir();
  let demo: Demo;
  const seen: { url: string; status: number; location: string | null; cookies: string[] }[] = [];

  /** The terminator: https://mcp.example.com on the outside, plain http to the demo on loopback, as a proxy would forward it. */
  function viaTerminator(url: URL, init: RequestInit = {}): Promise<Response> {
    if (url.origin !== PUBLIC) throw new Error(`the sign-in left the public origin for ${url.href}`);
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-proto', 'https');
    headers.set('x-forwarded-host', new URL(PUBLIC).host);
    return fetch(`${loopbackOrigin(demo)}${url.pathname}${url.search}`, { ...init, headers }).then((response) => {
      seen.push({ url: url.href, status: response.status, location: response.headers.get('location'), cookies: response.headers.getSetCookie() });
      return response;
    });
  }

  beforeAll(async () => {
    demo = await startDemo(state.path, { layers: { publicUrl: PUBLIC, authority: { store: 'memory' } } });
  });
  afterAll(async () => {
    await demo.close();
    state.remove();
  });

  it('sets every cookie Secure and redirects only to https URLs during the whole sign-in', async () => {
    const registered = await viaTerminator(new URL(`${PUBLIC}/oauth/register`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }),
    });
    const { client_id: clientId } = (await registered.json()) as { client_id: string };
    const callback = await headlessLogin(`${PUBLIC}${authorizePath(clientId, pkce().challenge)}`, { login: 'tls-test', password: '', fetch: viaTerminator });
    expect(authorizationCodeFrom(callback)).toEqual(expect.any(String));
    expect(callback.searchParams.get('iss')).toBe(PUBLIC);

    const cookies = seen.flatMap((hop) => hop.cookies);
    const names = new Set(cookies.map((line) => line.split('=')[0]));
    for (const name of ['gatehouse.session', 'gatehouse.interaction', 'gatehouse.resume']) expect(names).toContain(name);
    expect(cookies.filter((line) => !/;\s*secure(;|$)/i.test(line))).toEqual([]);

    const locations = seen.map((hop) => hop.location).filter((location): location is string => location !== null && !location.startsWith(REDIRECT_URI));
    const absolute = locations.filter((location) => /^[a-z]+:/i.test(location));
    // The resume redirect after sign-in is absolute: without one, this would check nothing.
    expect(absolute.length).toBeGreaterThan(0);
    expect(absolute.filter((location) => !onPublicOrigin(location))).toEqual([]);
    expect(locations.map((location) => new URL(location, PUBLIC).origin).filter((o) => o !== PUBLIC)).toEqual([]);
  });
});
