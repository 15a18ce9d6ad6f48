/**
 * The ID-JAG checks the e2e test does not reach over HTTP, against a real
 * signing issuer on loopback (its metadata and JWKS): each refusal names
 * its problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/resolve.js';
import { startTestIssuer, type TestIssuer } from '../../testing/test-issuer.js';
import { IdJagError, verifyIdJag, type IdJagExpectations } from './assertion.js';
import { trustedIssuers, type TrustedIssuers } from './trusted-issuers.js';

const AS = 'https://mcp.example.com';
const MCP = `${AS}/mcp`;
let idp: TestIssuer;
let issuers: TrustedIssuers;
let rsOnly: TestIssuer;
let down: TestIssuer;

beforeAll(async () => {
  idp = await startTestIssuer();
  rsOnly = await startTestIssuer({ alg: 'ES256' });
  down = await startTestIssuer();
  down.setJwksAvailable(false);
  const config = resolveConfig({ mode: 'authority', publicUrl: AS, authority: { idJag: { issuers: [idp.issuer, { issuer: rsOnly.issuer, algorithms: ['RS256'] }, down.issuer] } } });
  issuers = trustedIssuers(config);
});
afterAll(async () => {
  issuers?.close();
  await idp?.close();
  await rsOnly?.close();
  await down?.close();
});

const now = () => Math.floor(Date.now() / 1000);
const expect_ = (): IdJagExpectations => ({ audience: AS, clientId: 'agent', resources: [MCP], maxLifetimeSec: 300, clockSkewSec: 30, maxTokenBytes: 16_384, now: now() });

function mint(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, from = idp): Promise<string> {
  return from.mint({ aud: AS, client_id: 'agent', sub: 'alice', resource: MCP, scope: 'mcp:tools', ...claims }, { header: { typ: 'oauth-id-jag+jwt', ...header } });
}

async function refusal(assertion: string | Promise<string>, expectations = expect_()): Promise<string> {
  try {
    await verifyIdJag(await assertion, issuers, expectations);
  } catch (err) {
    expect(err).toBeInstanceOf(IdJagError);
    return (err as IdJagError).description;
  }
  throw new Error('accepted');
}

describe('verifyIdJag', () => {
  it('accepts a valid ID-JAG, typ with or without application/, and reads resource and scope', async () => {
    const verified = await verifyIdJag(await mint({ scope: 'mcp:tools files:read' }), issuers, expect_());
    expect(verified).toMatchObject({ resource: MCP, scopes: ['mcp:tools', 'files:read'], claims: { sub: 'alice', iss: idp.issuer } });
    expect(verified.issuer.issuer).toBe(idp.issuer);
    expect((await verifyIdJag(await mint({ resource: undefined, scope: undefined }, { typ: 'application/OAUTH-ID-JAG+JWT' }), issuers, expect_()))).toMatchObject({ resource: undefined, scopes: undefined });
  });

  it('refuses a missing typ', async () => {
    expect(await refusal(mint({}, { typ: undefined }))).toBe('assertion has no typ header, expected "oauth-id-jag+jwt" (an Identity Assertion JWT Authorization Grant)');
    expect(await refusal(mint({}, { typ: 7 }))).toBe('assertion typ header is 7, expected "oauth-id-jag+jwt" (an Identity Assertion JWT Authorization Grant)');
  });

  it('refuses an ID-JAG with no sub, jti, exp or iat, each by name', async () => {
    expect(await refusal(mint({ sub: undefined }))).toBe('assertion has no sub claim: it names no user');
    expect(await refusal(mint({ jti: undefined }))).toBe('assertion has no jti claim: it cannot be protected against replay');
    expect(await refusal(mint({ exp: undefined }))).toBe('assertion has no exp claim');
    expect(await refusal(mint({ iat: undefined }))).toBe('assertion has no iat claim');
    expect(await refusal(mint({ iss: undefined }))).toBe('assertion has no iss claim: the enterprise IdP that issued it is unknown');
  });

  it('refuses an iat or nbf in the future beyond the clock skew, and accepts one within it', async () => {
    expect(await refusal(mint({ iat: now() + 120, exp: now() + 240 }))).toMatch(/^assertion iat .* is in the future$/);
    expect(await refusal(mint({ nbf: now() + 120 }))).toBe('assertion is not valid yet (nbf)');
    await expect(verifyIdJag(await mint({ iat: now() + 10, exp: now() + 200 }), issuers, expect_())).resolves.toBeDefined();
  });

  it('refuses a resource list, even of this resource and another', async () => {
    expect(await refusal(mint({ resource: [MCP, 'https://other.example/mcp'] }))).toMatch(/^assertion resource \[.*\] is not protected by this authorization server \(it issues tokens for https:\/\/mcp\.example\.com\/mcp\)$/);
  });

  it('refuses a scope claim that is not a string', async () => {
    expect(await refusal(mint({ scope: ['mcp:tools'] }))).toBe('assertion scope claim is not a space-separated string');
  });

  it('refuses an algorithm the IdP is not configured for', async () => {
    expect(await refusal(mint({ iss: rsOnly.issuer }, {}, rsOnly))).toBe(`assertion alg "ES256" is not allowed for ${rsOnly.issuer} (allowed: RS256)`);
  });

  it('refuses a kid the IdP does not publish, and says when its keys cannot be fetched', async () => {
    expect(await refusal(mint({}, { kid: 'unknown-kid' }))).toBe(`assertion was not signed by ${idp.issuer}: no key in its JWKS matches the assertion's kid`);
    expect(await refusal(mint({ iss: down.issuer }, {}, down))).toBe(`the signing keys of ${down.issuer} could not be fetched; try again later`);
  });

  it('refuses an oversized assertion and one that is not a JWS, before any key is fetched', async () => {
    const requests = idp.requests.length;
    expect(await refusal('a'.repeat(20_000))).toBe('assertion is longer than 16384 bytes');
    expect(await refusal('a.b')).toBe('assertion is not a JWT: expected three base64url parts separated by dots');
    expect(await refusal('%%%.e30.')).toBe('assertion is not a JWT: expected three base64url parts separated by dots');
    expect(await refusal('bm90IGpzb24.e30.')).toBe('assertion is not a JWT: its header is not base64url-encoded JSON');
    expect(idp.requests.length).toBe(requests);
  });
});
