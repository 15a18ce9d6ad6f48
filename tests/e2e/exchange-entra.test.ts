/**
 * Entra ID's on-behalf-of flow, checked against a local stand-in of its
 * token endpoint: the request carries what Microsoft's documentation asks
 * for (`jwt-bearer` grant, `assertion`, `requested_token_use=on_behalf_of`,
 * a `.default` scope, the client's secret or a certificate-signed
 * assertion), and Entra's answers (tokens and AADSTS errors) come back as
 * the client's result or a `TokenExchangeError`.
 */
import { exportJWK, generateKeyPair, jwtVerify, decodeProtectedHeader, type CryptoKey } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenExchangeError } from '../../src/errors.js';
import { createTokenExchange } from '../../src/exchange/create-token-exchange.js';
import { JWT_BEARER_GRANT } from '../../src/exchange/types.js';
import { startTokenEndpointStandIn, type TokenEndpointStandIn } from './exchange-stand-in.js';

const TENANT = '7f1c2a52-0000-4000-8000-000000000001';
const TOKEN_PATH = `/${TENANT}/oauth2/v2.0/token`;
const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
const CLIENT_SECRET = 'entra~client.secret-for-tests-only';
/** What the MCP client sent: an Entra access token whose audience is the MCP server's app. */
const USER_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhcGk6Ly9tY3Atc2VydmVyIiwic3ViIjoidXNlciJ9.c2lnbmF0dXJl';

/** Microsoft's documented success answer of the on-behalf-of request. */
function entraSuccess(scope: string) {
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      scope,
      expires_in: 3269,
      ext_expires_in: 0,
      access_token: 'eyJ0eXAiOiJKV1QiLCJub25jZSI6IkFRQUJBQUFBQUFCbmZpRy1tQTZOVGFlN0NkV1c3UWZkSzdNN0Q1.downstream.token',
      refresh_token: 'OAQABAAAAAABnfiG-mA6NTae7CdWW7QfdAALzDWjw6qSn4GUDfxWzJDZ6lk9qRw4An',
    },
  };
}

let standIn: TokenEndpointStandIn;
beforeAll(async () => {
  standIn = await startTokenEndpointStandIn(TOKEN_PATH);
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.requests.length = 0;
});

describe('Entra ID on-behalf-of request shape', () => {
  it('client secret: jwt-bearer grant, the user token as assertion, on_behalf_of, a .default scope', async () => {
    standIn.reply = () => entraSuccess('api://orders/Orders.Read');
    const exchange = createTokenExchange({ variant: 'entra-obo', tokenEndpoint: `${standIn.origin}${TOKEN_PATH}`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const token = await exchange.exchange({ token: USER_TOKEN, expiresAt: Math.floor(Date.now() / 1000) + 3600 }, { scope: 'api://orders/.default' });

    expect(standIn.requests).toHaveLength(1);
    const [request] = standIn.requests;
    expect(Object.fromEntries(request!.form)).toEqual({
      grant_type: JWT_BEARER_GRANT,
      assertion: USER_TOKEN,
      requested_token_use: 'on_behalf_of',
      scope: 'api://orders/.default',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request!.headers.authorization).toBeUndefined();
    expect(token).toMatchObject({ accessToken: entraSuccess('').body.access_token, tokenType: 'Bearer', scope: 'api://orders/Orders.Read', expiresIn: 3269 });
    expect(token.issuedTokenType).toBeUndefined();
  });

  it('an audience alone becomes its .default scope', async () => {
    standIn.reply = () => entraSuccess('api://orders/Orders.Read');
    const exchange = createTokenExchange({ variant: 'entra-obo', tokenEndpoint: `${standIn.origin}${TOKEN_PATH}`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    await exchange.tokenFor(USER_TOKEN, { audience: 'api://orders' });
    expect(standIn.requests[0]!.form.get('scope')).toBe('api://orders/.default');
    await expect(exchange.tokenFor(USER_TOKEN, { audience: 'api://orders', scope: 'api://orders/.default' })).rejects.toThrow(TypeError);
  });

  it('certificate: a client assertion for the token endpoint, with the thumbprint header, signed by the key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportPkcs8(privateKey);
    standIn.reply = () => entraSuccess('api://orders/Orders.Read');
    const exchange = createTokenExchange({
      variant: 'entra-obo', tokenEndpoint: `${standIn.origin}${TOKEN_PATH}`, clientId: CLIENT_ID,
      privateKeyJwt: { key: pem, alg: 'RS256', header: { x5t: 'hOBcHZi846VCHSJbFAs26Go9VTQ' } },
    });
    await exchange.tokenFor(USER_TOKEN, { scope: 'api://orders/.default' });

    const form = standIn.requests[0]!.form;
    expect(form.get('client_secret')).toBeNull();
    expect(form.get('client_id')).toBe(CLIENT_ID);
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const assertion = form.get('client_assertion')!;
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', typ: 'JWT', x5t: 'hOBcHZi846VCHSJbFAs26Go9VTQ' });
    const { payload } = await jwtVerify(assertion, publicKey, { issuer: CLIENT_ID, subject: CLIENT_ID, audience: `${standIn.origin}${TOKEN_PATH}` });
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.exp! - payload.iat!).toBe(60);
    // A fresh assertion each request (Entra refuses a replayed jti).
    exchange.clear();
    await exchange.tokenFor(USER_TOKEN, { scope: 'api://orders/.default' });
    expect(standIn.requests[1]!.form.get('client_assertion')).not.toBe(assertion);
  });

  it('the token endpoint found from the tenant issuer\'s OpenID metadata', async () => {
    const issuer = `${standIn.origin}/${TENANT}/v2.0`;
    standIn.documents.set(`/${TENANT}/v2.0/.well-known/openid-configuration`, { issuer, token_endpoint: `${standIn.origin}${TOKEN_PATH}`, jwks_uri: `${standIn.origin}/keys` });
    standIn.reply = () => entraSuccess('api://orders/Orders.Read');
    const exchange = createTokenExchange({ variant: 'entra-obo', issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    await exchange.tokenFor(USER_TOKEN, { scope: 'api://orders/.default' });
    expect(standIn.requests).toHaveLength(1);
  });
});

describe("Entra ID's refusals", () => {
  it('interaction_required (multi-factor or conditional access) arrives as a TokenExchangeError with the AADSTS text', async () => {
    standIn.reply = () => ({
      status: 400,
      body: {
        error: 'interaction_required',
        error_description: 'AADSTS50079: Due to a configuration change made by your administrator, you must enroll in multi-factor authentication.\r\nTrace ID: 0000',
        error_codes: [50079],
        timestamp: '2025-05-01 22:43:20Z',
        claims: '{"access_token":{"polids":{"essential":true,"values":["9ab03e19-ed42-4168-b6b7-7001fb3e933a"]}}}',
      },
    });
    const exchange = createTokenExchange({ variant: 'entra-obo', tokenEndpoint: `${standIn.origin}${TOKEN_PATH}`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const failure = await exchange.tokenFor(USER_TOKEN, { scope: 'api://orders/.default' }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TokenExchangeError);
    expect(failure).toMatchObject({ code: 'ERR_TOKEN_EXCHANGE_REFUSED', status: 400, error: 'interaction_required' });
    expect((failure as TokenExchangeError).error_description).toMatch(/^AADSTS50079/);
  });

  it('invalid_grant for an assertion Entra will not accept; the user token never appears in the error', async () => {
    standIn.reply = () => ({ status: 400, body: { error: 'invalid_grant', error_description: `AADSTS50013: Assertion failed signature validation. Assertion: ${USER_TOKEN}` } });
    const exchange = createTokenExchange({ variant: 'entra-obo', tokenEndpoint: `${standIn.origin}${TOKEN_PATH}`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const failure = (await exchange.tokenFor(USER_TOKEN, { scope: 'api://orders/.default' }).catch((err: unknown) => err)) as TokenExchangeError;
    expect(failure.error).toBe('invalid_grant');
    expect(failure.message).not.toContain(USER_TOKEN);
    expect(failure.error_description).not.toContain(USER_TOKEN);
    expect(failure.message).toContain('[redacted]');
  });
});

async function exportPkcs8(key: CryptoKey): Promise<string> {
  const jwk = await exportJWK(key);
  const imported = await crypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', imported)).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}
