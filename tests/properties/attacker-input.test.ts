/**
 * Property tests over the parsers that meet attackers: whatever arrives,
 * no exception escapes, and every refusal is a 4xx with a body (through the
 * gate) or a typed error with a stable code (the pure parsers). 126,000
 * generated cases per run (the counts are in each test's name): the cheap
 * pure parsers get most of them, the gate's whole path (a Request, a real
 * ES256 verification) 11,000.
 */
import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { bool, command, json, list, listsByName, num, parseCount, parseDuration, port, seconds } from '../../src/config/values.js';
import { metricsAddress } from '../../src/config/sections/metrics.js';
import { parseChallenges, sdkChallengeView } from '../../src/doctor/www-authenticate.js';
import { ConfigError, GatehouseError, OAuthError } from '../../src/errors.js';
import { createGatehouse, type GatehouseInstance } from '../../src/gatehouse.js';
import { extractBearerToken } from '../../src/gate/bearer.js';
import { buildChallenge } from '../../src/gate/challenge.js';
import { nameScopeRules, nameStepUp } from '../../src/gate/name-scopes.js';
import { checkRedirectUri } from '../../src/registration/redirect-uri.js';
import { claimsToAuthInfo } from '../../src/tokens/claims.js';
import { createJwtVerifier } from '../../src/tokens/jwt-verifier.js';

const ISSUER = 'https://idp.example.com';
const PUBLIC = 'https://mcp.example.com';
const config = resolveConfig({
  issuer: ISSUER,
  publicUrl: PUBLIC,
  scopes: { required: ['mcp'], tools: { admin: ['mcp:admin'] } },
  registration: { clientId: 'pre-registered' },
});

/** Header values as attackers send them: printable text, control characters, huge, Bearer-ish. */
const headerText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Bearer  ', 'DPoP', ''), fc.string({ maxLength: 100 })).map(([s, t]) => `${s} ${t}`),
);
const base64url = (text: string) => Buffer.from(text).toString('base64url');
/** JWT-shaped strings with arbitrary header and payload JSON, and arbitrary signatures. */
const jwtShaped = fc
  .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 60 }))
  .map(([h, p, s]) => `${base64url(JSON.stringify(h))}.${base64url(JSON.stringify(p))}.${base64url(s)}`);

/** Headers with only what `Headers` can carry: the rest is a framework's business, not the gate's. */
function safeHeader(value: string): string | undefined {
  try {
    new Headers({ authorization: value });
    return value;
  } catch {
    return undefined;
  }
}

async function expectClientError(response: Response): Promise<void> {
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  const text = await response.text();
  expect(text.length).toBeGreaterThan(0);
  const body = JSON.parse(text) as { error?: unknown };
  expect(typeof body.error).toBe('string');
}

describe('the gate, fed anything (through gate.fetch, with a real ES256 JWT verifier)', () => {
  let gate: GatehouseInstance;
  let key: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    const publicKey = pair.publicKey;
    await exportJWK(publicKey);
    const verifier = createJwtVerifier({
      issuer: () => ISSUER,
      keys: { getKeys: async () => [publicKey] },
      algorithms: ['ES256'],
      clockToleranceSec: 30,
      requireAccessTokenType: false,
      maxTokenBytes: config.jwt.maxTokenBytes,
    });
    gate = createGatehouse(config, { verifier });
  });

  const next = async () => new Response('{"jsonrpc":"2.0","id":1,"result":{}}', { status: 200 });

  it('answers any Authorization header and token with a 4xx and a JSON body (5,000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(headerText, jwtShaped.map((t) => `Bearer ${t}`)), fc.option(fc.jsonValue({ maxDepth: 3 })), async (header, body) => {
        const value = safeHeader(header);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (value !== undefined) headers.authorization = value;
        const request = new Request(`${PUBLIC}/mcp`, { method: 'POST', headers, body: JSON.stringify(body) });
        await expectClientError(await gate.fetch(request, next));
      }),
      { numRuns: 5_000 },
    );
  });

  it('checks any JSON-RPC body or batch behind a valid token: passed on, or a 4xx with a body (3,000 cases)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: 'mcp', client_id: 'c' }).setProtectedHeader({ alg: 'ES256' }).setIssuer(ISSUER).setAudience(`${PUBLIC}/mcp`).setSubject('ada').setIssuedAt(now).setExpirationTime(now + 3600).sign(key);
    const message = fc.record(
      { jsonrpc: fc.constantFrom('2.0', '1.0', 2), id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)), method: fc.oneof(fc.constant('tools/call'), fc.string()), params: fc.oneof(fc.record({ name: fc.oneof(fc.constantFrom('admin', 'whoami', '__proto__', 'constructor'), fc.string()), arguments: fc.jsonValue({ maxDepth: 2 }) }), fc.jsonValue({ maxDepth: 2 })) },
      { requiredKeys: [] },
    );
    const bodies = fc.oneof(message, fc.array(message, { maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 100 }));
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        const request = new Request(`${PUBLIC}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: text });
        const response = await gate.fetch(request, next);
        if (response.status === 200) return;
        await expectClientError(response);
      }),
      { numRuns: 3_000 },
    );
  });

  it('answers any registration body at the DCR façade with 201 or a 4xx with a body (3,000 cases)', async () => {
    const metadata = fc.record(
      { redirect_uris: fc.oneof(fc.array(fc.oneof(fc.webUrl(), fc.string({ maxLength: 60 })), { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })), client_name: fc.jsonValue({ maxDepth: 1 }), token_endpoint_auth_method: fc.oneof(fc.constantFrom('none', 'client_secret_basic'), fc.string()), grant_types: fc.jsonValue({ maxDepth: 1 }) },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(metadata, fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 100 })), async (body) => {
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        const response = await gate.fetch(new Request(`${PUBLIC}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text }), next);
        if (response.status === 201) return;
        await expectClientError(response);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('the pure parsers, fed anything', () => {
  const throwsOnly = (fn: () => unknown, allowed: (err: unknown) => boolean) => {
    try {
      fn();
    } catch (err) {
      if (!allowed(err)) throw err;
    }
  };
  const oauth4xx = (err: unknown) => err instanceof OAuthError && err.status >= 400 && err.status < 500;

  it('bearer header: a token or a 4xx OAuth error (20,000 cases)', () => {
    fc.assert(
      fc.property(fc.array(headerText, { maxLength: 3 }), (values) => {
        const request = { method: 'POST', url: `${PUBLIC}/mcp`, headers: { get: (name: string) => (name === 'authorization' && values.length > 0 ? values.join(', ') : null) } };
        throwsOnly(() => extractBearerToken(request, { maxTokenBytes: 4096 }), oauth4xx);
      }),
      { numRuns: 20_000 },
    );
  });

  it('challenges: what the gate writes is one header line of printable ASCII, and the doctor reads anything (15,000 cases)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }), (text, scopes) => {
        const error = new (class extends OAuthError {
          readonly status = 401;
          readonly error = 'invalid_token';
        })('ERR_JWT_MALFORMED' as never, text);
        const header = buildChallenge({ resourceMetadata: `${PUBLIC}/.well-known/oauth-protected-resource/mcp`, scopes, error });
        expect(header).toMatch(/^[\x20-\x7E]+$/);
        parseChallenges(text);
        sdkChallengeView(text);
        parseChallenges(header);
      }),
      { numRuns: 15_000 },
    );
  });

  it('redirect URIs: a verdict, never an exception (30,000 cases)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withFragments: true, withQueryParameters: true }), fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 80 })), (uri) => {
        const verdict = checkRedirectUri(uri, { customSchemes: config.registration.customSchemes });
        expect(typeof verdict.ok).toBe('boolean');
      }),
      { numRuns: 30_000 },
    );
  });

  it('token claims: an AuthInfo or an invalid_token error (10,000 cases)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(fc.constantFrom('sub', 'scope', 'scp', 'client_id', 'azp', 'exp', 'aud', 'roles', '__proto__'), fc.string()), fc.jsonValue({ maxDepth: 2 })), (claims) => {
        throwsOnly(() => claimsToAuthInfo('t', claims as Record<string, unknown>, `${PUBLIC}/mcp`), oauth4xx);
      }),
      { numRuns: 10_000 },
    );
  });

  it('tools/call, resources/read and prompts/get bodies: a step-up demand or none, never an exception (10,000 cases)', () => {
    const rules = nameScopeRules(config.scopes);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (body) => {
        nameStepUp(body, rules, ['mcp'], ['mcp']);
      }),
      { numRuns: 10_000 },
    );
  });

  it('config values: a value or a ConfigError naming the variable (30,000 cases)', () => {
    const parsers = [bool, num, parseCount, seconds, port, parseDuration, json, list, listsByName, command];
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 40 })), fc.constantFrom(...parsers.keys()), (value, which) => {
        throwsOnly(() => parsers[which]!(value, 'GATEHOUSE_X'), (err) => err instanceof ConfigError && err.message.includes('GATEHOUSE_X'));
        throwsOnly(() => metricsAddress({ addr: value }), (err) => err instanceof GatehouseError && err.code === 'ERR_CONFIG_INVALID');
      }),
      { numRuns: 30_000 },
    );
  });
});
