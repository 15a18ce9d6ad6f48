/**
 * The authority's token-exchange grant (RFC 8693) over real HTTP: what it
 * issues (audience, user, acting client, scopes, lifetime, signature) and
 * every refusal: a client without permission, an audience or scope beyond
 * the policy, and subject tokens that are expired, foreign, revoked, not a
 * user's, or themselves exchanged. The client side is `createTokenExchange`
 * (basic secret and private_key_jwt) where it matters, plain `fetch` where
 * the exact wire answer does.
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenExchangeError } from '../../src/errors.js';
import { createTokenExchange } from '../../src/exchange/create-token-exchange.js';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from '../../src/exchange/types.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { signInWithSdk, startDemo, tempStateDir } from './authority-harness.js';

type Demo = Awaited<ReturnType<typeof startDemo>>;
type Json = Record<string, unknown>;

const API = 'https://api.local';
const SECRET = 'exchange-secret-for-tests-only-0123456789';
const clients = ['mcp-server', 'mcp-downscope', 'stranger'].map((client_id) => ({
  client_id, client_secret: `${client_id}-${SECRET}`, grant_types: [TOKEN_EXCHANGE_GRANT], redirect_uris: [], response_types: [],
}));
const robot = { client_id: 'robot', client_secret: `robot-${SECRET}`, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp:tools' };

const state = tempStateDir();
let demo: Demo;
let jwtClientKey: CryptoKey;
let subjectToken: string;

function claimsOf(token: string): Json {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Json;
}

/** A token request as `clientId` (client_secret_basic): the status and the JSON body. */
async function tokenRequest(clientId: string, params: Record<string, string | string[]>): Promise<{ status: number; body: Json }> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of [value].flat()) form.append(name, v);
  const response = await fetch(`${demo.origin}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${clientId}-${SECRET}`).toString('base64')}`,
    },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Json };
}

function exchangeParams(subject: string, extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, audience: API, ...extra };
}

/** A token with the authority's claims, signed by `key` (the authority's own, or a stranger's with the same kid). */
async function forge(claims: Json, key: CryptoKey | Uint8Array, header: { alg: string; kid?: string }): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ ...header, typ: 'at+jwt' }).sign(key);
}

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  jwtClientKey = privateKey;
  const jwtClient = {
    client_id: 'mcp-jwt', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'mcp-jwt-1', alg: 'ES256', use: 'sig' }] },
    grant_types: [TOKEN_EXCHANGE_GRANT], redirect_uris: [], response_types: [],
  };
  demo = await startDemo(state.path, {
    layers: {
      authority: {
        clients: [...clients, robot, jwtClient],
        tokenExchange: {
          policies: [
            { client: 'mcp-server', audiences: [API, 'https://other.local'], scopes: ['orders:read', 'orders:write'] },
            { client: 'mcp-jwt', audiences: [API], scopes: ['orders:read'] },
            // No scopes: the exchanged token may carry only what the user's token carries.
            { client: 'mcp-downscope', audiences: [API] },
          ],
        },
      },
    },
  });
  const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47712/callback' });
  await (await signInWithSdk(demo.mcpUrl, provider, 'hopper')).close();
  subjectToken = provider.tokens()!.access_token;
});
afterAll(async () => {
  await demo.close();
  state.remove();
});

describe('what an exchange issues', () => {
  it('a JWT for the downstream audience, naming the user and the acting client, signed by the authority', async () => {
    const exchange = createTokenExchange({ issuer: demo.origin, clientId: 'mcp-server', clientSecret: `mcp-server-${SECRET}` });
    const result = await exchange.exchange(subjectToken, { audience: API, scope: 'orders:read' });
    expect(result).toMatchObject({ tokenType: 'Bearer', issuedTokenType: ACCESS_TOKEN_TYPE, scope: 'orders:read', expiresIn: 300 });

    const jwks = (await (await fetch(`${demo.origin}/oauth/jwks`)).json()) as { keys: JWK[] };
    const { payload, protectedHeader } = await jwtVerify(result.accessToken, createLocalJWKSet(jwks), { issuer: demo.origin, audience: API });
    expect(protectedHeader.typ).toBe('at+jwt');
    const subject = claimsOf(subjectToken);
    expect(payload).toMatchObject({ sub: 'hopper', client_id: 'mcp-server', scope: 'orders:read', act: { sub: 'mcp-server' } });
    expect(payload.exp).toBeLessThanOrEqual(subject.exp as number);
    expect(payload.aud).toBe(API);
  });

  it('the same through `resource`, and with private_key_jwt client authentication', async () => {
    const exchange = createTokenExchange({
      issuer: demo.origin, clientId: 'mcp-jwt', privateKeyJwt: { key: jwtClientKey, alg: 'ES256', kid: 'mcp-jwt-1' },
    });
    const token = await exchange.tokenFor({ token: subjectToken }, { resource: API, scope: 'orders:read' });
    expect(claimsOf(token)).toMatchObject({ aud: API, sub: 'hopper', act: { sub: 'mcp-jwt' } });
  });

  it('a policy without scopes grants at most what the subject token carries', async () => {
    const granted = await tokenRequest('mcp-downscope', exchangeParams(subjectToken));
    expect(granted).toMatchObject({ status: 200, body: { scope: 'mcp:tools' } });
    const above = await tokenRequest('mcp-downscope', exchangeParams(subjectToken, { scope: 'orders:read' }));
    expect(above).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('with no scope asked, every scope the policy allows for that audience', async () => {
    const granted = await tokenRequest('mcp-server', exchangeParams(subjectToken));
    expect(granted).toMatchObject({ status: 200, body: { scope: 'orders:read orders:write', issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer' } });
  });
});

describe('refusals', () => {
  it('unauthorized_client: a client with the grant but no policy', async () => {
    const refused = await tokenRequest('stranger', exchangeParams(subjectToken));
    expect(refused).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
  });

  it('unauthorized_client: a client whose grant_types lack token exchange', async () => {
    const refused = await tokenRequest('robot', exchangeParams(subjectToken));
    expect(refused).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
  });

  it('invalid_target: an audience the policy does not name, or two targets at once', async () => {
    const other = await tokenRequest('mcp-server', exchangeParams(subjectToken, { audience: 'https://payroll.local' }));
    expect(other).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
    const two = await tokenRequest('mcp-server', exchangeParams(subjectToken, { audience: [API, 'https://other.local'] }));
    expect(two).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
  });

  it('invalid_scope: a scope above the policy', async () => {
    const refused = await tokenRequest('mcp-server', exchangeParams(subjectToken, { scope: 'orders:read orders:delete' }));
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    expect(refused.body.error_description).toMatch(/orders:delete/);
  });

  it('arrives at the client as a TokenExchangeError carrying the server\'s error, without the token', async () => {
    const exchange = createTokenExchange({ issuer: demo.origin, clientId: 'mcp-server', clientSecret: `mcp-server-${SECRET}` });
    const failure = await exchange.tokenFor(subjectToken, { audience: 'https://payroll.local' }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TokenExchangeError);
    expect(failure).toMatchObject({ code: 'ERR_TOKEN_EXCHANGE_REFUSED', status: 400, error: 'invalid_target' });
    expect(String((failure as Error).message)).not.toContain(subjectToken);
    expect(String((failure as Error).message)).not.toContain(SECRET);
  });

  it('invalid_client: a wrong secret', async () => {
    const exchange = createTokenExchange({ issuer: demo.origin, clientId: 'mcp-server', clientSecret: 'not-the-secret' });
    await expect(exchange.tokenFor(subjectToken, { audience: API })).rejects.toMatchObject({ code: 'ERR_TOKEN_EXCHANGE_REFUSED', error: 'invalid_client' });
  });
});

describe('subject tokens that cannot be exchanged (RFC 8693 §2.2.2: invalid_request)', () => {
  async function refusedSubject(subject: string): Promise<string> {
    const refused = await tokenRequest('mcp-server', exchangeParams(subject, { scope: 'orders:read' }));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_request');
    return refused.body.error_description as string;
  }

  it('expired, though signed by the authority', async () => {
    const jwk = demo.authority.keys.jwks.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const expired = await forge({ ...claimsOf(subjectToken), iat: now - 900, exp: now - 300 }, await importJWK(jwk, jwk.alg), { alg: jwk.alg, kid: jwk.kid });
    expect(await refusedSubject(expired)).toMatch(/expired/);
  });

  it('foreign: the same claims and kid, another key', async () => {
    const jwk = demo.authority.keys.jwks.keys[0]!;
    const { privateKey } = await generateKeyPair(jwk.alg);
    const foreign = await forge(claimsOf(subjectToken), privateKey, { alg: jwk.alg, kid: jwk.kid });
    expect(await refusedSubject(foreign)).toMatch(/not issued by this authorization server/);
    expect(await refusedSubject('not-a-jwt-at-all')).toMatch(/not a valid access token/);
  });

  it('not a user\'s: a client-credentials token', async () => {
    const response = await fetch(`${demo.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`robot:robot-${SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: demo.mcpUrl, scope: 'mcp:tools' }),
    });
    const { access_token: machineToken } = (await response.json()) as { access_token: string };
    expect(await refusedSubject(machineToken)).toMatch(/names no user/);
  });

  it('already exchanged: its audience is the API, not the MCP server', async () => {
    const first = await tokenRequest('mcp-server', exchangeParams(subjectToken, { scope: 'orders:read' }));
    expect(await refusedSubject(first.body.access_token as string)).toMatch(/not an access token for this server's MCP resource/);
  });

  it('already exchanged, though for the MCP resource: a token carrying act is refused, exchanges do not chain', async () => {
    // Signed by the authority, for the MCP resource, on a live grant: only the act claim marks it as an exchange's result.
    const jwk = demo.authority.keys.jwks.keys[0]!;
    const chained = await forge({ ...claimsOf(subjectToken), act: { sub: 'mcp-server' } }, await importJWK(jwk, jwk.alg), { alg: jwk.alg, kid: jwk.kid });
    expect(await refusedSubject(chained)).toMatch(/itself the result of an exchange/);
  });

  it('not a user\'s, though on a live grant: a token without sub', async () => {
    const jwk = demo.authority.keys.jwks.keys[0]!;
    const anonymous = await forge({ ...claimsOf(subjectToken), sub: undefined }, await importJWK(jwk, jwk.alg), { alg: jwk.alg, kid: jwk.kid });
    expect(await refusedSubject(anonymous)).toMatch(/names no user/);
  });

  it('never outlives the subject token: one with a minute left gets a token of at most a minute', async () => {
    const jwk = demo.authority.keys.jwks.keys[0]!;
    const exp = Math.floor(Date.now() / 1000) + 60;
    const shortLived = await forge({ ...claimsOf(subjectToken), exp }, await importJWK(jwk, jwk.alg), { alg: jwk.alg, kid: jwk.kid });
    const issued = await tokenRequest('mcp-server', exchangeParams(shortLived, { scope: 'orders:read' }));
    expect(issued.status).toBe(200);
    expect(issued.body.expires_in).toBeLessThanOrEqual(60);
    expect(claimsOf(issued.body.access_token as string).exp).toBeLessThanOrEqual(exp);
  });

  it('revoked: the grant behind it is gone', async () => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47713/callback' });
    await (await signInWithSdk(demo.mcpUrl, provider, 'lovelace')).close();
    const tokens = provider.tokens()!;
    const revoked = await fetch(`${demo.origin}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token!, client_id: provider.clientInformation()!.client_id }),
    });
    expect(revoked.status).toBe(200);
    expect(await refusedSubject(tokens.access_token)).toMatch(/revoked/);
  });

  // Each parameter on its own, and the description checked: a refusal further on is invalid_request too.
  it.each([
    ['an unknown subject_token_type', { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }, /^subject_token_type must be/],
    ['no subject_token', { subject_token: '' }, /missing required parameter subject_token$/],
    ['no subject_token_type', { subject_token_type: '' }, /missing required parameter subject_token_type/],
    ['a requested_token_type this server cannot issue', { requested_token_type: 'urn:ietf:params:oauth:token-type:id_token' }, /^requested_token_type must be/],
    ['an actor_token', { actor_token: 'x' }, /actor_token is not supported/],
    ['an actor_token_type alone', { actor_token_type: ACCESS_TOKEN_TYPE }, /actor_token is not supported/],
  ])('wrong parameters: %s', async (_, extra, description) => {
    const refused = await tokenRequest('mcp-server', exchangeParams(subjectToken, extra));
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(refused.body.error_description).toMatch(description);
  });
});

describe('cache and coalescing, counted at the authority', () => {
  let served = 0;
  beforeAll(() => {
    demo.authority.provider.on('grant.success', (ctx: { oidc?: { params?: { grant_type?: unknown } } }) => {
      if (ctx.oidc?.params?.grant_type === TOKEN_EXCHANGE_GRANT) served += 1;
    });
  });

  it('repeated identical calls: one request to the token endpoint', async () => {
    const exchange = createTokenExchange({ issuer: demo.origin, clientId: 'mcp-server', clientSecret: `mcp-server-${SECRET}` });
    const before = served;
    const first = await exchange.tokenFor(subjectToken, { audience: API, scope: 'orders:read' });
    for (let i = 0; i < 5; i += 1) expect(await exchange.tokenFor(subjectToken, { audience: API, scope: ['orders:read'] })).toBe(first);
    expect(served - before).toBe(1);
    expect(exchange.stats).toEqual({ requests: 1, cacheHits: 5, coalesced: 0 });

    // Another scope is another token.
    await exchange.tokenFor(subjectToken, { audience: API, scope: 'orders:write' });
    expect(served - before).toBe(2);
  });

  it('50 concurrent identical calls: one request', async () => {
    const exchange = createTokenExchange({ issuer: demo.origin, clientId: 'mcp-server', clientSecret: `mcp-server-${SECRET}` });
    const before = served;
    const tokens = await Promise.all(Array.from({ length: 50 }, () => exchange.tokenFor(subjectToken, { audience: API, scope: 'orders:read' })));
    expect(new Set(tokens).size).toBe(1);
    expect(served - before).toBe(1);
    expect(exchange.stats).toEqual({ requests: 1, cacheHits: 0, coalesced: 49 });
  });
});
