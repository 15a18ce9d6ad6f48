/**
 * Client ID Metadata Documents against a real oidc-provider: documents are
 * served over real HTTPS on 127.0.0.1 with a certificate made for the test;
 * only the test's fetch trusts it. Loopback is a private address, so the
 * same server shows the SSRF protection at work when private addresses are
 * refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type JWK, type errors } from 'oidc-provider';
// oidc-provider's own SSRF check, attached to the test's CA-trusting dispatcher (the package has no exports map).
// @ts-expect-error -- internal module without type declarations
import { applySSRFProtection as applySSRFProtectionUntyped } from 'oidc-provider/lib/helpers/fetch_request.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationCodeFrom, headlessLogin } from '../../../tests/helpers/headless-login.js';
import { makeTestCertificate, trustingAgent as agentTrusting, type Dispatcher } from '../../../tests/helpers/test-certificate.js';
import { resolveConfig, type GatehouseConfigInput } from '../../config/index.js';
import { installRegistrationRules, registrationConfiguration, type FetchHook } from './index.js';

const applySSRFProtection = applySSRFProtectionUntyped as (dispatcher: Dispatcher) => Dispatcher;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

// ---- the documents' server -------------------------------------------------

const { cert: certificate, key: privateKey } = makeTestCertificate();

/** Paths the documents' server was asked for, in order. */
const served: string[] = [];
let documentsOrigin = '';
const documents = createHttpsServer({ key: privateKey, cert: certificate }, function serveDocument(req: IncomingMessage, res: ServerResponse) {
  const path = new URL(req.url ?? '/', 'https://x').pathname;
  served.push(path);
  const route = ROUTES[path];
  if (!route) {
    res.writeHead(404).end();
    return;
  }
  route(res, `${documentsOrigin}${path}`);
}) as unknown as Server;

function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers }).end(text);
}

/** Claude Code's kind of document: native, port-less loopback redirect URIs. */
function nativeDocument(url: string): Record<string, unknown> {
  return {
    client_id: url,
    client_name: 'Claude Code',
    client_uri: 'https://claude.ai',
    redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
  };
}

const ROUTES: Record<string, (res: ServerResponse, url: string) => void> = {
  '/claude-code.json': (res, url) => json(res, nativeDocument(url), { 'cache-control': 'max-age=3600' }),
  '/cached.json': (res, url) => json(res, nativeDocument(url), { 'cache-control': 'max-age=3600' }),
  '/private.json': (res, url) => json(res, nativeDocument(url)),
  '/claude.json': (res, url) => json(res, { client_id: url, client_name: 'Claude', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }),
  // No application_type, a custom scheme: typed native by the same rules as DCR.
  '/cursor.json': (res, url) => json(res, { client_id: url, client_name: 'Cursor', redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback', 'http://localhost:8787/callback'], token_endpoint_auth_method: 'none' }),
  '/mismatch.json': (res, url) => json(res, { ...nativeDocument(url), client_id: `${url}-other` }),
  '/javascript.json': (res, url) => json(res, { ...nativeDocument(url), redirect_uris: ['javascript:alert(1)'] }),
  '/open-http.json': (res, url) => json(res, { ...nativeDocument(url), redirect_uris: ['http://evil.example/callback'] }),
  '/secret.json': (res, url) => json(res, { ...nativeDocument(url), token_endpoint_auth_method: 'client_secret_post' }),
  '/large.json': (res, url) => json(res, { ...nativeDocument(url), client_name: 'x'.repeat(2000) }),
  '/large-chunked.json': (res, url) => {
    // No Content-Length: the limit must hold while reading.
    res.writeHead(200, { 'content-type': 'application/json' });
    const body = JSON.stringify({ ...nativeDocument(url), client_name: 'x'.repeat(4000) });
    for (let i = 0; i < body.length; i += 500) res.write(body.slice(i, i + 500));
    res.end();
  },
  '/redirect.json': (res) => res.writeHead(302, { location: '/claude-code.json' }).end(),
  '/not-json.json': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>'),
  '/slow.json': () => {
    // Never answers; the fetch must give up.
  },
};

// ---- providers -------------------------------------------------------------

interface Started {
  issuer: string;
  provider: Provider;
  /** Errors oidc-provider reported for authorization requests, newest last. */
  errors: errors.OIDCProviderError[];
  /** Whether oidc-provider's protective dispatcher reached the base fetch, per fetch. */
  dispatchers: Array<'protective' | 'none'>;
  close(): Promise<void>;
}

const trustingAgent = agentTrusting(certificate);
const protectiveTrustingAgent = applySSRFProtection(agentTrusting(certificate));
/** The protective dispatcher oidc-provider handed to the fetch hook, as it came. */
let providersOwnDispatcher: Dispatcher | undefined;

/**
 * The test's base fetch: trusts the test certificate. Where oidc-provider's
 * protective dispatcher arrives (Gatehouse kept it), the replacement carries
 * the same SSRF check.
 */
function trustingFetch(dispatchers: Started['dispatchers']): FetchHook {
  return function fetchTrustingTestCa(input, init) {
    const given = (init as { dispatcher?: Dispatcher } | undefined)?.dispatcher;
    dispatchers.push(given ? 'protective' : 'none');
    if (given) providersOwnDispatcher = given;
    return fetch(input, { ...init, dispatcher: given ? protectiveTrustingAgent : trustingAgent } as RequestInit);
  };
}

async function startProvider(cimd: NonNullable<GatehouseConfigInput['authority']>['cimd']): Promise<Started> {
  const server = createHttpServer();
  const issuer = `http://127.0.0.1:${await listen(server)}`;
  const config = resolveConfig({ publicUrl: issuer, authority: { cimd } });
  const dispatchers: Started['dispatchers'] = [];
  const registration = registrationConfiguration(config, { fetch: trustingFetch(dispatchers) });
  const { privateKey: signingKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    ...registration,
    jwks: { keys: [{ ...(await exportJWK(signingKey)), kid: 'cimd-test', alg: 'RS256', use: 'sig' } as JWK] },
    cookies: { keys: ['cimd-test-cookie-key'] },
    scopes: ['openid', 'offline_access', 'mcp:tools'],
    pkce: { required: () => true },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    features: { ...registration.features, devInteractions: { enabled: true }, resourceIndicators: { enabled: false } },
  });
  await installRegistrationRules(provider, config);
  const seen: errors.OIDCProviderError[] = [];
  provider.on('authorization.error', (_ctx, error) => seen.push(error as errors.OIDCProviderError));
  provider.on('server_error', (_ctx, error) => seen.push(error as errors.OIDCProviderError));
  server.on('request', provider.callback());
  return { issuer, provider, errors: seen, dispatchers, close: () => closeServer(server) };
}

const verifier = randomBytes(32).toString('base64url');

function authorizationUrl(issuer: string, clientId: string, redirectUri: string): URL {
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'mcp:tools',
    state: 'state-1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return url;
}

interface Outcome {
  /** `accepted` when the user is sent to sign in, else `<status>:<error code on the page>`. */
  result: string;
  /** oidc-provider's description and detail of the error, for the operator's logs and error page. */
  description?: string;
  detail?: string;
}

async function authorize(as: Started, clientId: string, redirectUri: string): Promise<Outcome> {
  const before = as.errors.length;
  const res = await fetch(authorizationUrl(as.issuer, clientId, redirectUri), { redirect: 'manual' });
  const body = await res.text();
  if (res.status === 303 && res.headers.get('location')?.startsWith('/interaction/')) return { result: 'accepted' };
  const error = as.errors.length > before ? as.errors.at(-1) : undefined;
  return {
    result: `${res.status}:${/invalid_[a-z_]+/.exec(body)?.[0] ?? body.slice(0, 100)}`,
    description: error?.error_description,
    detail: error?.error_detail,
  };
}

// ---- tests -------------------------------------------------------------------

let closedPort = 0;
let plainHttp: Server;
const plainHttpRequests: string[] = [];
let dev: Started;
let production: Started;

beforeAll(async () => {
  documentsOrigin = `https://127.0.0.1:${await listen(documents)}`;
  // A port nobody listens on: listen, note the port, close.
  const probe = createHttpServer();
  closedPort = await listen(probe);
  await closeServer(probe);
  plainHttp = createHttpServer((req, res) => {
    plainHttpRequests.push(req.url ?? '');
    res.end('reached');
  });
  await listen(plainHttp);
  [dev, production] = await Promise.all([
    startProvider({ maxBytes: 1024, timeoutMs: 500 }),
    startProvider({ maxBytes: 1024, timeoutMs: 500, allowPrivateAddresses: false }),
  ]);
});

afterAll(async () => {
  await Promise.all([dev?.close(), production?.close(), closeServer(documents), plainHttp && closeServer(plainHttp)]);
});

describe('Client ID Metadata Documents (private addresses allowed, as in development)', () => {
  it('advertises client_id_metadata_document_supported', async () => {
    const metadata = (await (await fetch(`${dev.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata.client_id_metadata_document_supported).toBe(true);
  });

  it('a valid document works: sign-in on any loopback port, code redeemed, without registration', async () => {
    const clientId = `${documentsOrigin}/claude-code.json`;
    const redirectUri = 'http://127.0.0.1:45123/callback';
    const callback = await headlessLogin(authorizationUrl(dev.issuer, clientId, redirectUri), { login: 'alice' });
    const res = await fetch(`${dev.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: authorizationCodeFrom(callback), redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.access_token).toEqual(expect.any(String));
    expect(dev.dispatchers).not.toContain('protective');
  });

  it('a document without application_type and with a custom scheme is typed native and works', async () => {
    const clientId = `${documentsOrigin}/cursor.json`;
    expect(await authorize(dev, clientId, 'cursor://anysphere.cursor-mcp/oauth/callback')).toEqual({ result: 'accepted' });
    expect(await authorize(dev, clientId, 'http://localhost:9999/callback')).toEqual({ result: 'accepted' });
    expect((await dev.provider.Client.find(clientId))?.applicationType).toBe('native');
  });

  it('a web client document (Claude) works with its exact callback only', async () => {
    const clientId = `${documentsOrigin}/claude.json`;
    expect(await authorize(dev, clientId, 'https://claude.ai/api/mcp/auth_callback')).toEqual({ result: 'accepted' });
    expect((await authorize(dev, clientId, 'https://claude.ai/api/mcp/other')).result).toBe('400:invalid_redirect_uri');
  });

  it('a redirect URI the document does not list is refused', async () => {
    const clientId = `${documentsOrigin}/claude-code.json`;
    expect((await authorize(dev, clientId, 'https://evil.example/callback')).result).toBe('400:invalid_redirect_uri');
    expect((await authorize(dev, clientId, 'http://127.0.0.1:45123/other')).result).toBe('400:invalid_redirect_uri');
    expect((await authorize(dev, clientId, 'http://[::1]:45123/callback')).result).toBe('400:invalid_redirect_uri');
  });

  it('a document whose client_id is not its URL is refused', async () => {
    const outcome = await authorize(dev, `${documentsOrigin}/mismatch.json`, 'http://127.0.0.1:45123/callback');
    expect(outcome.result).toBe('400:invalid_client_metadata');
    expect(outcome.description).toMatch(/client_id does not match/);
  });

  it.each([
    ['/javascript.json', /redirect_uris: "javascript:alert\(1\)" is not allowed: the javascript: scheme is never allowed/],
    ['/open-http.json', /redirect_uris: "http:\/\/evil\.example\/callback" is not allowed: http: is only allowed on loopback/],
  ])('a document listing a forbidden redirect URI (%s) is refused with the same rules as DCR', async (path, description) => {
    const outcome = await authorize(dev, `${documentsOrigin}${path}`, 'http://127.0.0.1:45123/callback');
    expect(outcome.result).toBe('400:invalid_redirect_uri');
    expect(outcome.description).toMatch(description);
  });

  it('a document that asks for a shared-secret authentication method is refused', async () => {
    const outcome = await authorize(dev, `${documentsOrigin}/secret.json`, 'http://127.0.0.1:45123/callback');
    expect(outcome.result).toBe('400:invalid_client_metadata');
    expect(outcome.description).toMatch(/shared-secret/);
  });

  it.each([
    ['/large.json', 'with Content-Length'],
    ['/large-chunked.json', 'streamed without Content-Length'],
  ])('a document larger than cimd.maxBytes is refused (%s, %s)', async (path) => {
    const outcome = await authorize(dev, `${documentsOrigin}${path}`, 'http://127.0.0.1:45123/callback');
    expect(outcome.result).toBe('400:invalid_client');
    expect(outcome.description).toBe('client_id metadata document fetch failed');
    expect(outcome.detail).toBe(`could not fetch ${documentsOrigin}${path}: it is larger than 1024 bytes (authority.cimd.maxBytes)`);
    expect(served.filter((p) => p === path)).toHaveLength(1);
  });

  it('an unreachable document is refused with a detail that says why', async () => {
    const outcome = await authorize(dev, `https://127.0.0.1:${closedPort}/client.json`, 'http://127.0.0.1:45123/callback');
    expect(outcome.result).toBe('400:invalid_client');
    expect(outcome.description).toBe('client_id metadata document fetch failed');
    expect(outcome.detail).toBe(`could not fetch https://127.0.0.1:${closedPort}/client.json: connection refused`);
  });

  it.each([
    ['/missing.json', 'unexpected response status 404'],
    ['/redirect.json', 'unexpected response status 302'],
  ])('a document answered with another status (%s) is refused: %s', async (path, detail) => {
    const outcome = await authorize(dev, `${documentsOrigin}${path}`, 'http://127.0.0.1:45123/callback');
    expect(outcome.result).toBe('400:invalid_client');
    expect(outcome.detail).toBe(detail);
  });

  it('a document that is not JSON is refused', async () => {
    const outcome = await authorize(dev, `${documentsOrigin}/not-json.json`, 'http://127.0.0.1:45123/callback');
    expect(outcome.result).toBe('400:invalid_client');
  });

  it('a server that never answers is given up after cimd.timeoutMs', async () => {
    const outcome = await authorize(dev, `${documentsOrigin}/slow.json`, 'http://127.0.0.1:45123/callback');
    expect(outcome.result).toBe('400:invalid_client');
    expect(outcome.detail).toBe(`could not fetch ${documentsOrigin}/slow.json: no answer within 500 ms (authority.cimd.timeoutMs)`);
    // oidc-provider looks the client up again to render the error; the failure is remembered, not fetched twice.
    expect(served.filter((path) => path === '/slow.json')).toHaveLength(1);
  });

  it('caches a fetched document for its Cache-Control lifetime', async () => {
    const clientId = `${documentsOrigin}/cached.json`;
    for (let i = 0; i < 3; i++) expect(await authorize(dev, clientId, `http://127.0.0.1:${46000 + i}/callback`)).toEqual({ result: 'accepted' });
    expect(served.filter((path) => path === '/cached.json')).toHaveLength(1);
  });
});

describe('Client ID Metadata Documents with private addresses refused (production default)', () => {
  it('keeps oidc-provider\'s protective dispatcher, which refuses a document on a loopback address before any request is sent', async () => {
    const outcome = await authorize(production, `${documentsOrigin}/private.json`, 'http://127.0.0.1:45123/callback');
    expect(outcome.result).toBe('400:invalid_client');
    expect(outcome.detail).toBe(
      `could not fetch ${documentsOrigin}/private.json: its host is a private, loopback or link-local address, which is refused outside development (authority.cimd.allowPrivateAddresses)`,
    );
    expect(production.dispatchers).toEqual(['protective']);
    expect(served).not.toContain('/private.json');
  });

  it('also refuses a host name that resolves to loopback (the check is on the connected address, not the URL)', async () => {
    const byName = documentsOrigin.replace('127.0.0.1', 'localhost');
    const outcome = await authorize(production, `${byName}/private.json`, 'http://127.0.0.1:45123/callback');
    expect(outcome.result).toBe('400:invalid_client');
    expect(outcome.detail).toMatch(/its host is a private, loopback or link-local address/);
    expect(served).not.toContain('/private.json');
  });

  it('oidc-provider\'s own dispatcher, as handed to the fetch hook, refuses loopback', async () => {
    expect(providersOwnDispatcher).toBeDefined();
    const port = (plainHttp.address() as AddressInfo).port;
    const attempt = fetch(`http://127.0.0.1:${port}/ping`, { dispatcher: providersOwnDispatcher } as RequestInit);
    await expect(attempt).rejects.toThrow(TypeError);
    await attempt.catch((error: Error) => expect(String((error.cause as Error | undefined)?.message)).toMatch(/special-use IP address/));
    expect(plainHttpRequests).toEqual([]);
  });

  it('the same document is accepted where private addresses are allowed', async () => {
    expect(await authorize(dev, `${documentsOrigin}/private.json`, 'http://127.0.0.1:45123/callback')).toEqual({ result: 'accepted' });
  });
});

describe('Client ID Metadata Documents turned off', () => {
  it('an https client_id is then an unknown client, and nothing is fetched', async () => {
    const off = await startProvider({ enabled: false });
    try {
      const metadata = (await (await fetch(`${off.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(metadata.client_id_metadata_document_supported).toBeUndefined();
      expect((await authorize(off, `${documentsOrigin}/claude-code.json`, 'http://127.0.0.1:45123/callback')).result).toBe('400:invalid_client');
      expect(off.dispatchers).toEqual([]);
    } finally {
      await off.close();
    }
  });
});
