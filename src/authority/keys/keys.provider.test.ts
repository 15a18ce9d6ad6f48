/**
 * The keys as a real oidc-provider uses them: it accepts all three
 * algorithms (EdDSA included) in `jwks`, signs JWT access tokens with the
 * active key of each, publishes the public parts, and the gate verifies those
 * tokens in process through `keySource`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../tokens/jwt-verifier.js';
import { loadOrCreateKeys, rotateKeys } from './load.js';
import type { AuthorityKeys } from './key-set.js';
import type { SigningAlgorithm } from './key-file.js';

const ALL: SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
const CLIENT = { id: 'machine', secret: 'machine-secret-for-tests-only' };
/** One resource per algorithm, so one provider signs with each. */
const resourceFor = (alg: SigningAlgorithm) => `https://mcp.example.com/${alg.toLowerCase()}`;

interface Running {
  issuer: string;
  server: Server;
  close(): Promise<void>;
}

async function startProvider(keys: AuthorityKeys): Promise<Running> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    jwks: keys.jwks,
    clients: [{ client_id: CLIENT.id, client_secret: CLIENT.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: function tokenSignedWith(_ctx, indicator) {
          const alg = ALL.find((a) => resourceFor(a) === indicator);
          if (!alg) throw new errors.InvalidTarget();
          return { audience: indicator, scope: 'mcp', accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg } } };
        },
      },
    },
    scopes: ['mcp'],
  });
  server.on('request', provider.callback());
  return {
    issuer,
    server,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function clientCredentialsToken(issuer: string, resource: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'mcp', resource }),
  });
  const body = (await res.json()) as { access_token?: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token!;
}

function verifierFor(issuer: string, keys: AuthorityKeys) {
  return createJwtVerifier({
    issuer: () => issuer,
    keys: keys.keySource,
    algorithms: ALL,
    clockToleranceSec: 30,
    requireAccessTokenType: true,
    maxTokenBytes: 16_384,
  });
}

let stateDir: string;
const running: Running[] = [];

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'gatehouse-keys-provider-'));
});
afterAll(async () => {
  await Promise.all(running.map((r) => r.close()));
  await rm(stateDir, { recursive: true, force: true });
});

describe('keys in a real oidc-provider', () => {
  it('signs access tokens with each algorithm, publishes the public keys, and the gate verifies them in process', async () => {
    const keys = await loadOrCreateKeys({ stateDir, algorithms: ALL });
    const as = await startProvider(keys);
    running.push(as);

    const jwks = (await (await fetch(`${as.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(keys.publicJwks.keys.map((k) => k.kid));
    expect(jwks.keys.map((k) => k.alg)).toEqual(ALL);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');

    const discovery = (await (await fetch(`${as.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
    expect(discovery.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256', 'EdDSA']));

    for (const alg of ALL) {
      const token = await clientCredentialsToken(as.issuer, resourceFor(alg));
      const header = decodeProtectedHeader(token);
      expect(header).toMatchObject({ alg, typ: 'at+jwt', kid: keys.jwks.keys.find((k) => k.alg === alg)!.kid });
      const info = await verifierFor(as.issuer, keys).verify(token, { resource: resourceFor(alg), audience: [resourceFor(alg)] });
      expect(info.clientId).toBe(CLIENT.id);
      expect(info.scopes).toEqual(['mcp']);
    }
  });

  it('after a rotation and a restart signs with the new key and still verifies tokens of the old one', async () => {
    const before = await loadOrCreateKeys({ stateDir, algorithms: ALL });
    const first = await startProvider(before);
    running.push(first);
    const oldToken = await clientCredentialsToken(first.issuer, resourceFor('ES256'));

    const rotation = await rotateKeys({ stateDir, algorithms: ['ES256'], retainSec: 600 });
    const after = await loadOrCreateKeys({ stateDir, algorithms: ALL });
    const second = await startProvider(after);
    running.push(second);
    const newToken = await clientCredentialsToken(second.issuer, resourceFor('ES256'));

    expect(decodeProtectedHeader(newToken).kid).toBe(rotation.added[0]!.kid);
    expect(decodeProtectedHeader(oldToken).kid).toBe(rotation.retired[0]!.kid);
    const published = (await (await fetch(`${second.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    expect(published.keys.map((k) => k.kid)).toContain(rotation.retired[0]!.kid);

    const context = { resource: resourceFor('ES256'), audience: [resourceFor('ES256')] };
    await expect(verifierFor(second.issuer, after).verify(newToken, context)).resolves.toBeDefined();
    // Same key, other issuer: only the key matters to keySource; the issuer check is the verifier's.
    await expect(verifierFor(first.issuer, after).verify(oldToken, context)).resolves.toBeDefined();
  });
});
