import { decodeProtectedHeader, decodeJwt, createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchIssuerMetadata } from '../discovery/fetch-metadata.js';
import { startTestIssuer, type TestIssuer } from './test-issuer.js';

let issuer: TestIssuer;
let pathIssuer: TestIssuer;

beforeAll(async () => {
  issuer = await startTestIssuer({ audience: 'https://mcp.example.com/mcp' });
  pathIssuer = await startTestIssuer({ path: '/realms/test', alg: 'ES256' });
});
afterAll(async () => {
  await issuer.close();
  await pathIssuer.close();
});

async function jwks(target: TestIssuer) {
  const res = await fetch(target.jwksUri);
  expect(res.status).toBe(200);
  return createLocalJWKSet((await res.json()) as { keys: [] });
}

describe('startTestIssuer', () => {
  it('serves RFC 8414 metadata on 127.0.0.1 that discovery finds', async () => {
    expect(issuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { metadata, url } = await fetchIssuerMetadata(issuer.issuer);
    expect(url).toBe(issuer.metadataUrl);
    expect(metadata).toMatchObject({
      issuer: issuer.issuer,
      jwks_uri: issuer.jwksUri,
      authorization_endpoint: `${issuer.issuer}/authorize`,
      token_endpoint: `${issuer.issuer}/token`,
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('serves path-inserted metadata for an issuer with a path', async () => {
    expect(pathIssuer.issuer).toMatch(/\/realms\/test$/);
    const { metadata, url } = await fetchIssuerMetadata(pathIssuer.issuer);
    expect(url).toContain('/.well-known/oauth-authorization-server/realms/test');
    expect(metadata.jwks_uri).toBe(`${pathIssuer.issuer}/jwks`);
  });

  it('mints access tokens with sensible defaults that verify against its JWKS', async () => {
    const token = await issuer.mint();
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: issuer.kid, typ: 'at+jwt' });
    const { payload } = await jwtVerify(token, await jwks(issuer), { issuer: issuer.issuer, audience: 'https://mcp.example.com/mcp' });
    expect(payload).toMatchObject({ sub: 'test-user', client_id: 'test-client', scope: 'mcp' });
    expect(payload.exp! - payload.iat!).toBe(300);
  });

  it('mints ES256 tokens when asked', async () => {
    const token = await pathIssuer.mint();
    expect(decodeProtectedHeader(token).alg).toBe('ES256');
    await expect(jwtVerify(token, await jwks(pathIssuer))).resolves.toBeDefined();
  });

  it('mints EdDSA (Ed25519) tokens when asked', async () => {
    const ed = await startTestIssuer({ alg: 'EdDSA' });
    try {
      const token = await ed.mint();
      expect(decodeProtectedHeader(token).alg).toBe('EdDSA');
      const jwks = await (await fetch(ed.jwksUri)).json();
      await expect(jwtVerify(token, createLocalJWKSet(jwks), { issuer: ed.issuer })).resolves.toBeDefined();
    } finally {
      await ed.close();
    }
  });

  it('lets claims and header fields be replaced or removed', async () => {
    const token = await issuer.mint({ sub: undefined, scope: 'a b', extra: 1 }, { header: { typ: undefined, kid: 'x' }, expiresIn: 60 });
    const payload = decodeJwt(token);
    expect(payload).not.toHaveProperty('sub');
    expect(payload).toMatchObject({ scope: 'a b', extra: 1 });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: 'x' });
  });

  it('rotates keys, keeping old ones published unless told otherwise', async () => {
    const rotating = await startTestIssuer();
    try {
      const first = rotating.kid;
      const oldToken = await rotating.mint();
      const second = await rotating.rotate();
      expect(second).not.toBe(first);
      expect(rotating.kid).toBe(second);
      await expect(jwtVerify(oldToken, await jwks(rotating))).resolves.toBeDefined();
      await rotating.rotate({ dropOld: true });
      await expect(jwtVerify(oldToken, await jwks(rotating))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    } finally {
      await rotating.close();
    }
  });

  it('counts JWKS requests and can make the endpoint fail', async () => {
    const before = issuer.jwksRequests;
    issuer.setJwksAvailable(false);
    expect((await fetch(issuer.jwksUri)).status).toBe(503);
    issuer.setJwksMode('garbage');
    const garbage = await fetch(issuer.jwksUri);
    expect(garbage.status).toBe(200);
    expect(await garbage.text()).not.toContain('keys');
    issuer.setJwksAvailable(true);
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
    expect(issuer.jwksRequests - before).toBe(3);
    expect(issuer.requests).toContain('GET /jwks');
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`${issuer.issuer}/nope`)).status).toBe(404);
  });
});
