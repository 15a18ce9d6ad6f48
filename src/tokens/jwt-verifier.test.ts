import { base64url, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidTokenError, type ErrorCode } from '../errors.js';
import { JwksCache } from '../discovery/jwks-cache.js';
import { startTestIssuer, type TestIssuer } from '../testing/test-issuer.js';
import { createJwtVerifier, type JwtVerifierOptions } from './jwt-verifier.js';
import type { TokenVerifier, VerifyContext } from './types.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const context: VerifyContext = { resource: RESOURCE, audience: [RESOURCE] };
const ALL_ASYMMETRIC = ['RS256', 'PS256', 'ES256', 'EdDSA'];

let issuer: TestIssuer;
let verifier: TokenVerifier;
let strictVerifier: TokenVerifier;

function verifierFor(target: TestIssuer, options: Partial<JwtVerifierOptions> = {}): TokenVerifier {
  return createJwtVerifier({
    issuer: () => target.issuer,
    keys: new JwksCache({ jwksUri: () => target.jwksUri, cooldownSec: 0 }),
    algorithms: ALL_ASYMMETRIC,
    clockToleranceSec: 30,
    requireAccessTokenType: false,
    maxTokenBytes: 16_384,
    ...options,
  });
}

beforeAll(async () => {
  issuer = await startTestIssuer({ audience: RESOURCE, scope: 'mcp files:read' });
  verifier = verifierFor(issuer);
  strictVerifier = verifierFor(issuer, { requireAccessTokenType: true });
});
afterAll(() => issuer.close());

async function failure(token: string, v: TokenVerifier = verifier, ctx: VerifyContext = context): Promise<InvalidTokenError> {
  const err = await v.verify(token, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'verification should fail with an InvalidTokenError').toBeInstanceOf(InvalidTokenError);
  return err as InvalidTokenError;
}

async function expectCode(token: string, code: ErrorCode, message?: string | RegExp, v?: TokenVerifier): Promise<InvalidTokenError> {
  const err = await failure(token, v);
  expect(err.code).toBe(code);
  expect(err.status).toBe(401);
  if (message !== undefined) expect(err.message).toMatch(message);
  // A message never echoes the token.
  if (token !== '') expect(err.message).not.toContain(token);
  return err;
}

const now = () => Math.floor(Date.now() / 1000);
const part = (json: unknown) => base64url.encode(JSON.stringify(json));

describe('createJwtVerifier: good tokens', () => {
  it('turns a valid token into AuthInfo', async () => {
    const token = await issuer.mint();
    const info = await verifier.verify(token, context);
    expect(info.token).toBe(token);
    expect(info.clientId).toBe('test-client');
    expect(info.scopes).toEqual(['mcp', 'files:read']);
    expect(info.expiresAt).toBeGreaterThan(now());
    expect(info.resource?.href).toBe(RESOURCE);
    expect(info.extra).toMatchObject({ sub: 'test-user', iss: issuer.issuer, aud: RESOURCE });
  });

  it('accepts an aud array containing one of the accepted audiences', async () => {
    const info = await verifier.verify(await issuer.mint({ aud: ['https://other.example.com', RESOURCE] }), context);
    expect(info.extra?.aud).toEqual(['https://other.example.com', RESOURCE]);
  });

  it('accepts a client-credentials token without sub, taking the client from client_id', async () => {
    const info = await verifier.verify(await issuer.mint({ sub: undefined }), context);
    expect(info.clientId).toBe('test-client');
    expect(info.extra?.sub).toBeUndefined();
  });

  it('tolerates an exp just past, within the clock tolerance', async () => {
    await expect(verifier.verify(await issuer.mint({ exp: now() - 10 }), context)).resolves.toBeDefined();
  });

  it('accepts typ at+jwt and application/at+jwt when the type is required', async () => {
    await expect(strictVerifier.verify(await issuer.mint(), context)).resolves.toBeDefined();
    await expect(strictVerifier.verify(await issuer.mint({}, { header: { typ: 'application/at+jwt' } }), context)).resolves.toBeDefined();
  });

  it('tries every key when the token has no kid', async () => {
    const rotating = await startTestIssuer({ audience: RESOURCE });
    try {
      await rotating.rotate();
      // Signed with the second of two published keys: the first candidate fails, the second verifies.
      const newKeyToken = await rotating.mint({}, { header: { kid: undefined } });
      await expect(verifierFor(rotating).verify(newKeyToken, context)).resolves.toBeDefined();
      const { privateKey } = await generateKeyPair('RS256');
      await expectCode(await rotating.mint({}, { key: privateKey, header: { kid: undefined } }), 'ERR_JWS_SIGNATURE_INVALID', undefined, verifierFor(rotating));
    } finally {
      await rotating.close();
    }
  });

  it('verifies ES256 tokens', async () => {
    const ec = await startTestIssuer({ alg: 'ES256', audience: RESOURCE });
    try {
      await expect(verifierFor(ec).verify(await ec.mint(), context)).resolves.toMatchObject({ clientId: 'test-client' });
    } finally {
      await ec.close();
    }
  });
});

describe('createJwtVerifier: malformed tokens', () => {
  it.each([
    ['a random string', 'not-a-jwt'],
    ['two parts', 'abc.def'],
    ['four parts', 'a.b.c.d'],
    ['non-base64url characters', 'a+b.c/d.e=f'],
    ['an empty string', ''],
    ['a JWE (five parts)', 'a.b.c.d.e'],
  ])('%s → ERR_JWT_MALFORMED', async (_, token) => {
    await expectCode(token, 'ERR_JWT_MALFORMED', /^Token is not a valid JWT format/);
  });

  it('a token right after a well-formed one, differing by one character outside base64url, is checked itself → ERR_JWT_MALFORMED', async () => {
    // The shape check remembers the last well-formed token: a near copy of it must not ride on that.
    const good = await issuer.mint({});
    await expect(verifier.verify(good, context)).resolves.toMatchObject({ token: good });
    for (const at of [0, good.indexOf('.') + 3, good.length - 1]) {
      await expectCode(`${good.slice(0, at)}+${good.slice(at + 1)}`, 'ERR_JWT_MALFORMED', /^Token is not a valid JWT format/);
    }
    await expect(verifier.verify(good, context)).resolves.toMatchObject({ token: good });
  });

  it('remembered headers (KnownHeaders): more distinct headers than it keeps all verify, and a header one field away from a remembered one is read itself', async () => {
    for (let i = 0; i < 20; i++) await expect(strictVerifier.verify(await issuer.mint({}, { header: { 'x-n': i } }), context)).resolves.toBeDefined();
    await expect(strictVerifier.verify(await issuer.mint({}, { header: { 'x-n': 19 } }), context)).resolves.toBeDefined();
    await expectCode(await issuer.mint({}, { header: { 'x-n': 19, typ: 'JWT' } }), 'ERR_JWT_TYPE_INVALID', /"JWT"/, strictVerifier);
    await expectCode(`${part({ alg: 'none', 'x-n': 19 })}.${part({ sub: 'x' })}.`, 'ERR_JOSE_ALG_NOT_ALLOWED', /"none"/, strictVerifier);
  });

  it('a header that is not JSON → ERR_JWT_MALFORMED', async () => {
    await expectCode(`${base64url.encode('not json')}.${part({ sub: 'x' })}.c2ln`, 'ERR_JWT_MALFORMED', /^Token is not a valid JWT format/);
  });

  it('a header without alg → ERR_JWT_MALFORMED', async () => {
    await expectCode(`${part({ typ: 'JWT' })}.${part({ sub: 'x' })}.c2ln`, 'ERR_JWT_MALFORMED', /no "alg"/);
  });

  it('a signed payload that is not a JSON object → ERR_JWT_MALFORMED', async () => {
    await expectCode(await issuer.signPayload('hello'), 'ERR_JWT_MALFORMED', /JSON object/);
    await expectCode(await issuer.signPayload('[1,2]'), 'ERR_JWT_MALFORMED', /JSON object/);
  });

  it('an unknown critical header → ERR_JWT_MALFORMED', async () => {
    await expectCode(await issuer.mint({}, { header: { crit: ['x-unknown'], 'x-unknown': true } }), 'ERR_JWT_MALFORMED', /x-unknown/);
  });

  it('an oversized token → ERR_TOKEN_TOO_LARGE before any parsing', async () => {
    const token = await issuer.mint({ padding: 'x'.repeat(20_000) });
    await expectCode(token, 'ERR_TOKEN_TOO_LARGE', /limit is 16384/);
  });
});

describe('createJwtVerifier: forged tokens', () => {
  it('a tampered payload → ERR_JWS_SIGNATURE_INVALID', async () => {
    const [h, , s] = (await issuer.mint()).split('.');
    const forged = `${h}.${part({ iss: issuer.issuer, aud: RESOURCE, sub: 'admin', exp: now() + 300 })}.${s}`;
    await expectCode(forged, 'ERR_JWS_SIGNATURE_INVALID', /signature is invalid/);
  });

  it('a tampered signature → ERR_JWS_SIGNATURE_INVALID', async () => {
    const token = await issuer.mint();
    const flipped = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expectCode(flipped, 'ERR_JWS_SIGNATURE_INVALID');
  });

  it('an empty signature → ERR_JWS_SIGNATURE_INVALID', async () => {
    const [h, p] = (await issuer.mint()).split('.');
    await expectCode(`${h}.${p}.`, 'ERR_JWS_SIGNATURE_INVALID');
  });

  it("a foreign key using the issuer's kid → ERR_JWS_SIGNATURE_INVALID", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await expectCode(await issuer.mint({}, { key: privateKey }), 'ERR_JWS_SIGNATURE_INVALID');
  });

  it('a foreign key with an unknown kid → ERR_JWKS_NO_MATCHING_KEY', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await expectCode(await issuer.mint({}, { key: privateKey, header: { kid: 'attacker' } }), 'ERR_JWKS_NO_MATCHING_KEY', /kid "attacker"/);
  });

  it('HS256 signed with the public key as secret → ERR_JOSE_ALG_NOT_ALLOWED', async () => {
    const jwk = (await fetch(issuer.jwksUri).then((r) => r.json())) as { keys: object[] };
    const secret = new TextEncoder().encode(JSON.stringify(jwk.keys[0]));
    await expectCode(await issuer.mint({}, { key: secret, header: { alg: 'HS256' } }), 'ERR_JOSE_ALG_NOT_ALLOWED', /"HS256" is not allowed/);
  });

  it('HS256 stays refused even if listed in the algorithms', async () => {
    const lax = verifierFor(issuer, { algorithms: ['RS256', 'HS256'] });
    const secret = new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!');
    await expectCode(await issuer.mint({}, { key: secret, header: { alg: 'HS256' } }), 'ERR_JOSE_ALG_NOT_ALLOWED', undefined, lax);
  });

  it('alg none → ERR_JOSE_ALG_NOT_ALLOWED', async () => {
    const token = `${part({ alg: 'none', typ: 'at+jwt' })}.${part({ iss: issuer.issuer, aud: RESOURCE, exp: now() + 300 })}.`;
    await expectCode(token, 'ERR_JOSE_ALG_NOT_ALLOWED', /"none"/);
  });

  it('an asymmetric algorithm outside the configured list → ERR_JOSE_ALG_NOT_ALLOWED', async () => {
    await expectCode(await issuer.mint(), 'ERR_JOSE_ALG_NOT_ALLOWED', /"RS256" is not allowed; accepted: ES256/, verifierFor(issuer, { algorithms: ['ES256'] }));
  });
});

describe('createJwtVerifier: claims', () => {
  it('another issuer → ERR_JWT_ISSUER_MISMATCH with expected and got', async () => {
    const err = await expectCode(await issuer.mint({ iss: 'https://evil.example.com' }), 'ERR_JWT_ISSUER_MISMATCH');
    expect(err.message).toBe(`Token issuer mismatch: expected "${issuer.issuer}", got "https://evil.example.com"`);
  });

  it('an issuer differing by a trailing slash → ERR_JWT_ISSUER_MISMATCH that says so', async () => {
    await expectCode(await issuer.mint({ iss: `${issuer.issuer}/` }), 'ERR_JWT_ISSUER_MISMATCH', /differ only by a trailing slash/);
  });

  it('no iss → ERR_JWT_ISSUER_MISMATCH', async () => {
    await expectCode(await issuer.mint({ iss: undefined }), 'ERR_JWT_ISSUER_MISMATCH', /got none/);
  });

  it('another audience (string) → ERR_JWT_AUDIENCE_MISMATCH with expected and got', async () => {
    await expectCode(await issuer.mint({ aud: 'account' }), 'ERR_JWT_AUDIENCE_MISMATCH', `expected "${RESOURCE}", got "account"`);
  });

  it('another audience (array) → ERR_JWT_AUDIENCE_MISMATCH listing both', async () => {
    const err = await expectCode(await issuer.mint({ aud: ['a', 'b'] }), 'ERR_JWT_AUDIENCE_MISMATCH');
    expect(err.message).toContain('got ["a","b"]');
  });

  it('several accepted audiences are all named', async () => {
    const err = await failure(await issuer.mint({ aud: 'x' }), verifier, { resource: RESOURCE, audience: [RESOURCE, 'api://mcp'] });
    expect(err.code).toBe('ERR_JWT_AUDIENCE_MISMATCH');
    expect(err.message).toContain(`one of ["${RESOURCE}","api://mcp"]`);
  });

  it('no aud → ERR_JWT_AUDIENCE_MISMATCH', async () => {
    await expectCode(await issuer.mint({ aud: undefined }), 'ERR_JWT_AUDIENCE_MISMATCH', /got none/);
  });

  it('expired → ERR_JWT_EXPIRED saying when', async () => {
    const exp = now() - 3600;
    await expectCode(await issuer.mint({ exp }), 'ERR_JWT_EXPIRED', `Token expired at ${new Date(exp * 1000).toISOString()}`);
  });

  it('nbf in the future → ERR_JWT_NOT_YET_VALID', async () => {
    const nbf = now() + 3600;
    await expectCode(await issuer.mint({ nbf }), 'ERR_JWT_NOT_YET_VALID', new Date(nbf * 1000).toISOString());
  });

  it('iat in the future beyond the tolerance → ERR_JWT_CLAIM_INVALID saying when', async () => {
    const iat = now() + 3600;
    await expectCode(await issuer.mint({ iat }), 'ERR_JWT_CLAIM_INVALID', new Date(iat * 1000).toISOString());
    await expect(verifier.verify(await issuer.mint({ iat: now() + 10 }), context)).resolves.toMatchObject({ clientId: 'test-client' });
  });

  it('no exp → ERR_JWT_CLAIM_INVALID (access tokens must expire)', async () => {
    await expectCode(await issuer.mint({ exp: undefined }), 'ERR_JWT_CLAIM_INVALID', /must expire/);
  });

  it('exp that is not a number → ERR_JWT_CLAIM_INVALID', async () => {
    await expectCode(await issuer.mint({ exp: 'tomorrow' }), 'ERR_JWT_CLAIM_INVALID', /"exp"/);
  });

  it('typ JWT when at+jwt is required → ERR_JWT_TYPE_INVALID', async () => {
    await expectCode(await issuer.mint({}, { header: { typ: 'JWT' } }), 'ERR_JWT_TYPE_INVALID', /is "JWT", expected "at\+jwt"/, strictVerifier);
  });

  it('no typ when at+jwt is required → ERR_JWT_TYPE_INVALID', async () => {
    await expectCode(await issuer.mint({}, { header: { typ: undefined } }), 'ERR_JWT_TYPE_INVALID', undefined, strictVerifier);
  });

  it('a sender-constrained token (cnf) sent as Bearer → ERR_TOKEN_UNSUPPORTED', async () => {
    await expectCode(await issuer.mint({ cnf: { jkt: 'abc' } }), 'ERR_TOKEN_UNSUPPORTED', /cnf/);
  });
});

describe('createJwtVerifier: infrastructure failures are still 401s', () => {
  it('keys that cannot be fetched → ERR_JWKS_UNAVAILABLE', async () => {
    const down = await startTestIssuer({ audience: RESOURCE });
    try {
      down.setJwksAvailable(false);
      await expectCode(await down.mint(), 'ERR_JWKS_UNAVAILABLE', down.jwksUri, verifierFor(down));
    } finally {
      await down.close();
    }
  });

  it('an unexpected exception → ERR_VERIFICATION_FAILED, never a plain Error', async () => {
    const broken = createJwtVerifier({
      issuer: () => issuer.issuer,
      keys: {
        getKeys() {
          throw new RangeError('boom');
        },
      },
      algorithms: ['RS256'],
      clockToleranceSec: 30,
      requireAccessTokenType: false,
      maxTokenBytes: 16_384,
    });
    const err = await expectCode(await issuer.mint(), 'ERR_VERIFICATION_FAILED', /unexpectedly/, broken);
    expect(err.cause).toBeInstanceOf(RangeError);
  });

  it('an issuer function that throws → ERR_VERIFICATION_FAILED', async () => {
    const broken = verifierFor(issuer, {
      issuer: () => {
        throw new Error('metadata not loaded');
      },
    });
    await expectCode(await issuer.mint(), 'ERR_VERIFICATION_FAILED', undefined, broken);
  });
});
