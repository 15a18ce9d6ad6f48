import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import type { GatehouseConfigInput } from '../config/schema.js';
import { UpstreamMetadata } from '../discovery/upstream.js';
import { InvalidTokenError } from '../errors.js';
import { startLoopbackServer, type LoopbackServer } from '../testing/loopback-server.js';
import { startTestIssuer, type TestIssuer } from '../testing/test-issuer.js';
import { createVerifier } from './create-verifier.js';
import type { VerifyContext } from './types.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const context: VerifyContext = { resource: RESOURCE, audience: [RESOURCE] };

let issuer: TestIssuer;
let introspection: LoopbackServer;
const upstreams: UpstreamMetadata[] = [];

beforeAll(async () => {
  issuer = await startTestIssuer({ audience: RESOURCE });
  introspection = await startLoopbackServer((_req, body) => {
    const token = new URLSearchParams(body).get('token');
    return { status: 200, json: token === 'opaque-good' || token?.startsWith('ey') ? { active: true, client_id: 'introspected', exp: Math.floor(Date.now() / 1000) + 60 } : { active: false } };
  });
});
afterAll(async () => {
  for (const upstream of upstreams) upstream.close();
  await issuer.close();
  await introspection.close();
});

async function setup(input: Partial<GatehouseConfigInput> = {}, overrides: Record<string, unknown> = {}) {
  const config = resolveConfig({ issuer: issuer.issuer, publicUrl: 'https://mcp.example.com', ...input });
  const upstream = new UpstreamMetadata({ issuer: config.issuer, overrides, refreshIntervalSec: 0 });
  upstreams.push(upstream);
  await upstream.load();
  return createVerifier(config, upstream);
}

async function errorOf(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidTokenError);
  return err as InvalidTokenError;
}

describe('createVerifier', () => {
  it('verifies JWTs with the keys at the metadata jwks_uri', async () => {
    const verifier = await setup();
    await expect(verifier.verify(await issuer.mint(), context)).resolves.toMatchObject({ clientId: 'test-client' });
    expect(verifier.jwks.counters.fetches).toBe(1);
    expect(verifier.introspection).toBeUndefined();
  });

  it('refuses opaque tokens without introspection, pointing at OAUTH_INTROSPECTION_URL', async () => {
    const verifier = await setup();
    const err = await errorOf(verifier.verify('2YotnFZFEjr1zCsicMWpAA', context));
    expect(err.code).toBe('ERR_JWT_MALFORMED');
    expect(err.message).toMatch(/^Token is not a valid JWT format/);
    expect(err.message).toContain('OAUTH_INTROSPECTION_URL');
  });

  it('sends opaque tokens to introspection and JWTs to the JWKS when introspection is configured', async () => {
    const verifier = await setup({ introspection: { endpoint: `${introspection.origin}/introspect`, clientId: 'gh', clientSecret: 's' } });
    await expect(verifier.verify('opaque-good', context)).resolves.toMatchObject({ clientId: 'introspected' });
    await expect(verifier.verify(await issuer.mint(), context)).resolves.toMatchObject({ clientId: 'test-client' });
    expect((await errorOf(verifier.verify('opaque-bad', context))).code).toBe('ERR_TOKEN_INACTIVE');
    expect(verifier.introspection?.counters.requests).toBe(2);
  });

  it("introspects every token with use: 'always'", async () => {
    const verifier = await setup({ introspection: { endpoint: `${introspection.origin}/introspect`, clientId: 'gh', clientSecret: 's', use: 'always' } });
    await expect(verifier.verify(await issuer.mint(), context)).resolves.toMatchObject({ clientId: 'introspected' });
    expect(verifier.jwks.counters.fetches).toBe(0);
  });

  it("checks iss against the metadata's exact issuer string", async () => {
    // The provider publishes its issuer with a trailing slash (as Auth0 does) and puts that in tokens.
    const verifier = await setup({}, { issuer: `${issuer.issuer}/` });
    await expect(verifier.verify(await issuer.mint({ iss: `${issuer.issuer}/` }), context)).resolves.toBeDefined();
    const err = await errorOf(verifier.verify(await issuer.mint(), context));
    expect(err.code).toBe('ERR_JWT_ISSUER_MISMATCH');
    expect(err.message).toContain('trailing slash');
  });

  it('prefers jwt.jwksUri over the metadata jwks_uri', async () => {
    const other = await startTestIssuer({ audience: RESOURCE });
    try {
      const verifier = await setup({ jwt: { jwksUri: other.jwksUri } });
      await expect(verifier.verify(await other.mint({ iss: issuer.issuer }), context)).resolves.toBeDefined();
      expect((await errorOf(verifier.verify(await issuer.mint(), context))).code).toBe('ERR_JWKS_NO_MATCHING_KEY');
    } finally {
      await other.close();
    }
  });

  it('reports missing jwks_uri as ERR_JWKS_UNAVAILABLE with the fix', async () => {
    const verifier = await setup({}, { jwks_uri: undefined });
    const err = await errorOf(verifier.verify(await issuer.mint(), context));
    expect(err.code).toBe('ERR_JWKS_UNAVAILABLE');
    expect(err.message).toContain('OAUTH_JWKS_URL');
  });

  it('refuses oversized tokens whichever way they would go', async () => {
    const verifier = await setup({ jwt: { maxTokenBytes: 256 } });
    expect((await errorOf(verifier.verify('x'.repeat(300), context))).code).toBe('ERR_TOKEN_TOO_LARGE');
  });

  it('uses the configured algorithms, clock tolerance and typ requirement', async () => {
    const verifier = await setup({ jwt: { algorithms: ['ES256'], requireAccessTokenType: true, clockToleranceSec: 0 } });
    expect((await errorOf(verifier.verify(await issuer.mint(), context))).code).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
  });
});
