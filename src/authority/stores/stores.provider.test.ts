/**
 * The stores behind a real oidc-provider, restarted between steps. The file
 * store gets a new instance over the same state directory at each restart: a
 * restart logs nobody out (session, grant, refresh token and
 * client-credentials token all survive), and rotation, reuse detection and
 * revocation still work on what was stored before it. The memory store runs
 * the same flows with one instance shared by the provider instances.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from '../../../tests/helpers/cookie-jar.js';
import { authorizationCodeFrom, headlessLogin } from '../../../tests/helpers/headless-login.js';
import { loadOrCreateKeys, loadOrCreateSecret } from '../keys/index.js';
import { createFileStore } from './file.js';
import { createMemoryStore } from './memory.js';
import type { StoreFactory } from './types.js';

const MACHINE = { id: 'machine', secret: 'machine-secret-for-tests-only' };
/** A public web client: oidc-provider asks native clients for consent every time, which would hide a lost grant. */
const APP = { id: 'web-app', redirectUri: 'https://app.example.com/callback' };

let stateDir: string;
let server: Server;
let issuer: string;
let store: StoreFactory | undefined;
let kind: 'file' | 'memory' = 'file';
let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(503).end();

/** Starts (or restarts) the provider on the same issuer: a new file store over the same directory, or the same memory store. */
async function startProvider(): Promise<void> {
  if (kind === 'file' || !store) {
    await store?.close();
    store = kind === 'file' ? createFileStore({ stateDir }) : createMemoryStore();
  }
  const keys = await loadOrCreateKeys({ stateDir, algorithms: ['RS256', 'ES256'] });
  const cookieKey = await loadOrCreateSecret(stateDir, 'cookies');
  const provider = new Provider(issuer, {
    adapter: store,
    jwks: keys.jwks,
    cookies: { keys: [cookieKey] },
    clients: [
      { client_id: MACHINE.id, client_secret: MACHINE.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
      {
        client_id: APP.id,
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        redirect_uris: [APP.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: { enabled: false },
    },
    scopes: ['openid', 'mcp'],
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: { ClientCredentials: 600, AccessToken: 600, AuthorizationCode: 60, RefreshToken: 86_400, Session: 86_400, Grant: 86_400, Interaction: 600 },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  });
  handle = provider.callback();
}

async function restart(): Promise<void> {
  await startProvider();
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function post(path: string, form: Record<string, string>, authorization?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

async function introspect(token: string): Promise<Record<string, unknown>> {
  const { status, body } = await post('/token/introspection', { token }, basic(MACHINE.id, MACHINE.secret));
  expect(status).toBe(200);
  return body;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizationUrl(challenge: string, extra: Record<string, string> = {}): URL {
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: APP.id,
    redirect_uri: APP.redirectUri,
    response_type: 'code',
    scope: 'openid mcp',
    state: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return url;
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'gatehouse-file-provider-'));
  server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await store?.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(stateDir, { recursive: true, force: true });
});

describe.each(['file', 'memory'] as const)('%s store in a real oidc-provider, across restarts', (storeKind) => {
  beforeAll(async () => {
    await store?.close();
    store = undefined;
    kind = storeKind;
    await startProvider();
  });

  it('keeps a client-credentials token active after a restart, until it is revoked', async () => {
    const issued = await post('/token', { grant_type: 'client_credentials', scope: 'mcp' }, basic(MACHINE.id, MACHINE.secret));
    expect(issued.status).toBe(200);
    const token = issued.body.access_token as string;
    expect(await introspect(token)).toMatchObject({ active: true, client_id: MACHINE.id });

    await restart();
    expect(await introspect(token)).toMatchObject({ active: true, client_id: MACHINE.id, scope: 'mcp' });

    const revoked = await post('/token/revocation', { token }, basic(MACHINE.id, MACHINE.secret));
    expect(revoked.status).toBe(200);
    await restart();
    expect(await introspect(token)).toEqual({ active: false });
  });

  it('keeps the user signed in and the refresh token usable after a restart; reuse of a rotated one revokes the grant', async () => {
    const jar = new CookieJar();
    const first = pkce();
    const callback = await headlessLogin(authorizationUrl(first.challenge), { login: 'alice', cookies: jar });
    const exchange = await post('/token', {
      grant_type: 'authorization_code',
      code: authorizationCodeFrom(callback),
      redirect_uri: APP.redirectUri,
      client_id: APP.id,
      code_verifier: first.verifier,
    });
    expect(exchange.status, JSON.stringify(exchange.body)).toBe(200);
    const refreshToken = exchange.body.refresh_token as string;
    expect(refreshToken).toBeTruthy();

    await restart();

    // The session cookie still names a live session and grant: no sign-in, no consent.
    const second = pkce();
    const silent = await headlessLogin(authorizationUrl(second.challenge, { prompt: 'none' }), { cookies: jar, maxHops: 4 });
    expect(silent.searchParams.get('error')).toBeNull();
    expect(authorizationCodeFrom(silent)).toBeTruthy();

    // The refresh token from before the restart works, and rotates.
    const refreshed = await post('/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: APP.id });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    const rotated = refreshed.body.refresh_token as string;
    expect(rotated).toBeTruthy();
    expect(rotated).not.toBe(refreshToken);
    const accessToken = refreshed.body.access_token as string;
    expect(await introspect(accessToken)).toMatchObject({ active: true, sub: 'alice' });

    await restart();

    // Reusing the consumed token is caught (it was stored as consumed) and ends the whole grant.
    const reuse = await post('/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: APP.id });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    const afterReuse = await post('/token', { grant_type: 'refresh_token', refresh_token: rotated, client_id: APP.id });
    expect(afterReuse.body.error).toBe('invalid_grant');
    expect(await introspect(accessToken)).toEqual({ active: false });
  });
});
