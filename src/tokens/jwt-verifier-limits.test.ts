/**
 * The edges of the JWT verifier's limits that mutation testing found
 * unchecked: a configured algorithm list cannot let `none` in, and the size
 * limit is inclusive (a token of exactly `maxTokenBytes` is verified).
 */
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwksCache } from '../discovery/jwks-cache.js';
import { InvalidTokenError } from '../errors.js';
import { startTestIssuer, type TestIssuer } from '../testing/test-issuer.js';
import { createJwtVerifier, type JwtVerifierOptions } from './jwt-verifier.js';
import type { TokenVerifier, VerifyContext } from './types.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const context: VerifyContext = { resource: RESOURCE, audience: [RESOURCE] };

let issuer: TestIssuer;

function verifierFor(options: Partial<JwtVerifierOptions>): TokenVerifier {
  return createJwtVerifier({
    issuer: () => issuer.issuer,
    keys: new JwksCache({ jwksUri: () => issuer.jwksUri, cooldownSec: 0 }),
    algorithms: ['RS256'],
    clockToleranceSec: 30,
    requireAccessTokenType: false,
    maxTokenBytes: 16_384,
    ...options,
  });
}

beforeAll(async () => {
  issuer = await startTestIssuer({ audience: RESOURCE, scope: 'mcp' });
});
afterAll(() => issuer.close());

const part = (json: unknown) => base64url.encode(JSON.stringify(json));

describe('createJwtVerifier: limits', () => {
  it('alg none stays refused even if listed in the algorithms, and is not named as accepted', async () => {
    const lax = verifierFor({ algorithms: ['RS256', 'none'] });
    const exp = Math.floor(Date.now() / 1000) + 300;
    const token = `${part({ alg: 'none', typ: 'at+jwt' })}.${part({ iss: issuer.issuer, aud: RESOURCE, exp })}.`;
    const err = await lax.verify(token, context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect(err).toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED', status: 401 });
    expect((err as Error).message).toMatch(/accepted: RS256 \(/);
  });

  it('a token exactly at the size limit is verified', async () => {
    const token = await issuer.mint();
    await expect(verifierFor({ maxTokenBytes: token.length }).verify(token, context)).resolves.toMatchObject({ token });
  });
});
