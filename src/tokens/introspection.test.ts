import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { UpstreamMetadata } from '../discovery/upstream.js';
import { InvalidTokenError, type ErrorCode } from '../errors.js';
import { startLoopbackServer, type LoopbackServer } from '../testing/loopback-server.js';
import { createVerifier } from './create-verifier.js';
import { createIntrospectionVerifier, type IntrospectionVerifierOptions } from './introspection.js';
import type { TokenVerifier, VerifyContext } from './types.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const OTHER_RESOURCE = 'https://other.example.com/api';
const context: VerifyContext = { resource: RESOURCE, audience: [RESOURCE] };

let server: Server;
let issuer: string;
let introspectionEndpoint: string;
let standIn: LoopbackServer;
/** Real HTTP requests made to the introspection endpoint, counted at the client side. */
let introspectionCalls = 0;

const countingFetch: typeof fetch = (input, init) => {
  if (String(input).endsWith('/token/introspection')) introspectionCalls++;
  return fetch(input, init);
};

beforeAll(async () => {
  let handler: (req: never, res: never) => void = () => undefined;
  server = createServer((req, res) => handler(req as never, res as never));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'machine', client_secret: 'machine-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'mcp files:read' },
      { client_id: 'gatehouse', client_secret: 'gatehouse-secret', grant_types: [], response_types: [], redirect_uris: [] },
    ],
    scopes: ['mcp', 'files:read'],
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: () => true },
      revocation: { enabled: true, allowedPolicy: () => true },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo(_ctx, resourceIndicator) {
          if (resourceIndicator === RESOURCE || resourceIndicator === OTHER_RESOURCE) {
            return { audience: resourceIndicator, scope: 'mcp files:read', accessTokenFormat: 'opaque' };
          }
          throw new errors.InvalidTarget();
        },
      },
    },
  });
  handler = provider.callback() as never;
  introspectionEndpoint = `${issuer}/token/introspection`;
  standIn = await startLoopbackServer();
});

afterAll(async () => {
  await standIn.close();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

/** An opaque access token from a client_credentials grant at the real provider. */
async function clientCredentialsToken(params: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa('machine:machine-secret')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'mcp files:read', ...params }),
  });
  const body = (await res.json()) as { access_token?: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.access_token).not.toMatch(/^ey/); // opaque, not a JWT
  return body.access_token!;
}

async function revoke(token: string): Promise<void> {
  const res = await fetch(`${issuer}/token/revocation`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa('machine:machine-secret')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  expect(res.status).toBe(200);
}

function verifierFor(options: Partial<IntrospectionVerifierOptions> = {}) {
  return createIntrospectionVerifier({
    endpoint: () => introspectionEndpoint,
    clientId: 'gatehouse',
    clientSecret: 'gatehouse-secret',
    issuer: () => issuer,
    cacheTtlSec: 60,
    cacheMaxEntries: 100,
    timeoutMs: 2000,
    fetch: countingFetch,
    ...options,
  });
}

async function expectCode(verifier: TokenVerifier, token: string, code: ErrorCode, message?: string | RegExp): Promise<void> {
  const err = await verifier.verify(token, context).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidTokenError);
  expect((err as InvalidTokenError).code).toBe(code);
  if (message !== undefined) expect((err as InvalidTokenError).message).toMatch(message);
  expect((err as InvalidTokenError).message).not.toContain(token);
}

describe('introspection against oidc-provider', () => {
  it('accepts an active opaque token bound to this resource', async () => {
    const token = await clientCredentialsToken({ resource: RESOURCE });
    const info = await verifierFor().verify(token, context);
    expect(info).toMatchObject({ token, clientId: 'machine', scopes: ['mcp', 'files:read'] });
    expect(info.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(info.extra).toMatchObject({ iss: issuer, aud: RESOURCE });
  });

  it('accepts an active token without aud (introspection responses need not have one)', async () => {
    const info = await verifierFor().verify(await clientCredentialsToken(), context);
    expect(info.clientId).toBe('machine');
  });

  it('rejects a garbage token as inactive', async () => {
    await expectCode(verifierFor(), 'not-a-real-token-at-all', 'ERR_TOKEN_INACTIVE', /^Token is not active/);
  });

  it('rejects a revoked token as inactive', async () => {
    const verifier = verifierFor({ cacheTtlSec: 0 });
    const token = await clientCredentialsToken({ resource: RESOURCE });
    await expect(verifier.verify(token, context)).resolves.toBeDefined();
    await revoke(token);
    await expectCode(verifier, token, 'ERR_TOKEN_INACTIVE');
  });

  it('rejects a token issued for another resource', async () => {
    await expectCode(verifierFor(), await clientCredentialsToken({ resource: OTHER_RESOURCE }), 'ERR_JWT_AUDIENCE_MISMATCH', `got "${OTHER_RESOURCE}"`);
  });

  it('rejects a token from an unexpected issuer', async () => {
    const verifier = verifierFor({ issuer: () => `${issuer}/` });
    await expectCode(verifier, await clientCredentialsToken(), 'ERR_JWT_ISSUER_MISMATCH', /trailing slash/);
  });

  it('caches: a second verification makes no HTTP call', async () => {
    const verifier = verifierFor();
    const token = await clientCredentialsToken({ resource: RESOURCE });
    const before = introspectionCalls;
    await verifier.verify(token, context);
    await verifier.verify(token, context);
    await verifier.verify(token, context);
    expect(introspectionCalls - before).toBe(1);
    expect(verifier.counters.requests).toBe(1);
  });

  it('re-checks the audience on a cached result', async () => {
    const verifier = verifierFor();
    const token = await clientCredentialsToken({ resource: RESOURCE });
    await verifier.verify(token, context);
    const other = await verifier.verify(token, { resource: OTHER_RESOURCE, audience: [OTHER_RESOURCE] }).catch((e: unknown) => e);
    expect((other as InvalidTokenError).code).toBe('ERR_JWT_AUDIENCE_MISMATCH');
    expect(verifier.counters.requests).toBe(1);
  });

  it('caches inactive results briefly, to blunt floods', async () => {
    const verifier = verifierFor();
    for (let i = 0; i < 3; i++) await expectCode(verifier, 'flood-token', 'ERR_TOKEN_INACTIVE');
    expect(verifier.counters.requests).toBe(1);
  });

  it('coalesces concurrent introspections of one token into one request', async () => {
    const verifier = verifierFor();
    const token = await clientCredentialsToken({ resource: RESOURCE });
    const before = introspectionCalls;
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token, context)));
    expect(results.every((r) => r.clientId === 'machine')).toBe(true);
    expect(introspectionCalls - before).toBe(1);
  });

  it('reports wrong introspection credentials as ERR_INTROSPECTION_FAILED with the status', async () => {
    const verifier = verifierFor({ clientSecret: 'wrong' });
    await expectCode(verifier, await clientCredentialsToken(), 'ERR_INTROSPECTION_FAILED', /failed with status 401.*OAUTH_INTROSPECTION_CLIENT_SECRET/);
  });

  it('works through createVerifier, with the endpoint from the upstream metadata', async () => {
    const config = resolveConfig({
      issuer,
      publicUrl: 'https://mcp.example.com',
      introspection: { clientId: 'gatehouse', clientSecret: 'gatehouse-secret' },
    });
    const upstream = new UpstreamMetadata({ issuer, refreshIntervalSec: 0 });
    await upstream.load();
    expect(upstream.current?.introspection_endpoint).toBe(introspectionEndpoint);
    const verifier = createVerifier(config, upstream, { fetch: countingFetch });
    const token = await clientCredentialsToken({ resource: RESOURCE });
    await expect(verifier.verify(token, context)).resolves.toMatchObject({ clientId: 'machine' });
    expect(verifier.introspection?.counters.requests).toBe(1);
    upstream.close();
  });
});

describe('introspection against a misbehaving endpoint', () => {
  const standInVerifier = (options: Partial<IntrospectionVerifierOptions> = {}) =>
    verifierFor({ endpoint: () => `${standIn.origin}/introspect`, issuer: () => 'https://idp.example.com', clientSecret: 's:cret', ...options });
  const now = () => Math.floor(Date.now() / 1000);

  it('posts the token as a form with client_secret_basic', async () => {
    let seen: { auth?: string; type?: string; body?: string } = {};
    standIn.setHandler((req, body) => {
      seen = { auth: req.headers.authorization, type: req.headers['content-type'], body };
      return { status: 200, json: { active: true, client_id: 'c', exp: now() + 60 } };
    });
    await standInVerifier().verify('opaque-1', context);
    expect(seen.type).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(seen.body)).toEqual(new URLSearchParams({ token: 'opaque-1', token_type_hint: 'access_token' }));
    expect(atob(seen.auth!.replace(/^Basic /, ''))).toBe('gatehouse:s%3Acret');
  });

  it('a non-200 answer → ERR_INTROSPECTION_FAILED naming the status', async () => {
    standIn.setHandler(() => ({ status: 500, json: { error: 'server_error' } }));
    await expectCode(standInVerifier(), 'opaque-2', 'ERR_INTROSPECTION_FAILED', /failed with status 500/);
  });

  it('a non-JSON answer → ERR_INTROSPECTION_FAILED', async () => {
    standIn.setHandler(() => ({ status: 200, text: '<html>' }));
    await expectCode(standInVerifier(), 'opaque-3', 'ERR_INTROSPECTION_FAILED', /did not return a JSON object/);
  });

  it('an unreachable endpoint → ERR_INTROSPECTION_FAILED', async () => {
    const gone = await startLoopbackServer();
    await gone.close();
    await expectCode(standInVerifier({ endpoint: () => `${gone.origin}/introspect` }), 'opaque-4', 'ERR_INTROSPECTION_FAILED', /could not be reached: network error/);
  });

  it('no endpoint configured or advertised → ERR_INTROSPECTION_FAILED', async () => {
    await expectCode(standInVerifier({ endpoint: () => undefined }), 'opaque-5', 'ERR_INTROSPECTION_FAILED', /OAUTH_INTROSPECTION_URL/);
  });

  it('failures are not cached', async () => {
    const verifier = standInVerifier();
    standIn.setHandler(() => ({ status: 503, json: {} }));
    await expectCode(verifier, 'opaque-6', 'ERR_INTROSPECTION_FAILED');
    standIn.setHandler(() => ({ status: 200, json: { active: true, exp: now() + 60 } }));
    await expect(verifier.verify('opaque-6', context)).resolves.toBeDefined();
    expect(verifier.counters.requests).toBe(2);
  });

  it.each([
    ['an expired exp', { exp: 1_000_000 }, 'ERR_JWT_EXPIRED'],
    ['a future nbf', { nbf: 9_999_999_999 }, 'ERR_JWT_NOT_YET_VALID'],
    ['a refresh token', { token_type: 'refresh_token' }, 'ERR_TOKEN_INACTIVE'],
    ['a sender-constrained token', { cnf: { jkt: 'x' } }, 'ERR_TOKEN_UNSUPPORTED'],
    ['active: "true" (a string)', { active: 'true' }, 'ERR_TOKEN_INACTIVE'],
    ['an aud list that does not name this server', { aud: [OTHER_RESOURCE, 42] }, 'ERR_JWT_AUDIENCE_MISMATCH'],
  ] as const)('an active response with %s is refused', async (_, fields, code) => {
    standIn.setHandler(() => ({ status: 200, json: { active: true, ...fields } }));
    await expectCode(standInVerifier({ cacheTtlSec: 0 }), `opaque-${code}`, code);
  });

  // The other side of the checks above: what is within the limits passes.
  it.each([
    ['an aud list that names this server among others', () => ({ aud: [OTHER_RESOURCE, RESOURCE] })],
    ['an nbf in the past', () => ({ nbf: now() - 3600 })],
    ['an nbf 10s ahead, within the 30s clock tolerance', () => ({ nbf: now() + 10 })],
  ] as const)('an active response with %s is accepted', async (_, fields) => {
    standIn.setHandler(() => ({ status: 200, json: { active: true, exp: now() + 600, ...fields() } }));
    await expect(standInVerifier({ cacheTtlSec: 0 }).verify('opaque-within-limits', context)).resolves.toMatchObject({ token: 'opaque-within-limits' });
  });

  it('keeps at most cacheMaxEntries results, evicting the least recently used', async () => {
    standIn.setHandler(() => ({ status: 200, json: { active: true, exp: now() + 600 } }));
    const verifier = standInVerifier({ cacheMaxEntries: 2 });
    for (const token of ['a', 'b', 'a', 'c']) await verifier.verify(token, context);
    expect(verifier.counters.requests).toBe(3); // a, b, c; the second 'a' was cached
    await verifier.verify('a', context); // still cached: 'b' was the least recently used
    expect(verifier.counters.requests).toBe(3);
    await verifier.verify('b', context);
    expect(verifier.counters.requests).toBe(4);
  });

  it('does not cache beyond the token expiry', async () => {
    standIn.setHandler(() => ({ status: 200, json: { active: true, exp: now() - 5 } }));
    // Expired 5s ago but within the 30s tolerance: accepted, and not cached since it is already past exp.
    const verifier = standInVerifier();
    await verifier.verify('opaque-exp', context);
    await verifier.verify('opaque-exp', context);
    expect(verifier.counters.requests).toBe(2);
  });
});
