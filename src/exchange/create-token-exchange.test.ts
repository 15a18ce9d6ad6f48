import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTokenEndpointStandIn, type TokenEndpointStandIn } from '../../tests/e2e/exchange-stand-in.js';
import { TokenExchangeError } from '../errors.js';
import { createTokenExchange } from './create-token-exchange.js';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT, type TokenExchangeOptions } from './types.js';

const SUBJECT = 'subject.token-of-the-mcp-client.0123456789';
const SECRET = 'p@ss word:+/&=secret';
const ok = (extra: Record<string, unknown> = {}) => ({
  status: 200,
  body: { access_token: 'downstream-token-1', token_type: 'Bearer', issued_token_type: ACCESS_TOKEN_TYPE, expires_in: 3600, ...extra },
});
const soon = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

let standIn: TokenEndpointStandIn;
const options = (more: Partial<TokenExchangeOptions> = {}): TokenExchangeOptions => ({
  tokenEndpoint: standIn.tokenEndpoint, clientId: 'mcp server', clientSecret: SECRET, ...more,
});

beforeAll(async () => {
  standIn = await startTokenEndpointStandIn();
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.requests.length = 0;
  standIn.reply = () => ok();
});

describe('the RFC 8693 request', () => {
  it('carries the subject token, its type, the targets and the scopes; the secret goes in HTTP Basic, form-encoded', async () => {
    const exchange = createTokenExchange(options());
    const token = await exchange.exchange(SUBJECT, { audience: ['https://b.example', 'https://a.example'], resource: 'https://api.example/v1', scope: 'write read' });
    expect(token).toMatchObject({ accessToken: 'downstream-token-1', tokenType: 'Bearer', issuedTokenType: ACCESS_TOKEN_TYPE, expiresIn: 3600 });

    const { form, headers } = standIn.requests[0]!;
    expect(form.get('grant_type')).toBe(TOKEN_EXCHANGE_GRANT);
    expect(form.get('subject_token')).toBe(SUBJECT);
    expect(form.get('subject_token_type')).toBe(ACCESS_TOKEN_TYPE);
    expect(form.get('requested_token_type')).toBe(ACCESS_TOKEN_TYPE);
    expect(form.getAll('audience')).toEqual(['https://a.example', 'https://b.example']);
    expect(form.getAll('resource')).toEqual(['https://api.example/v1']);
    expect(form.get('scope')).toBe('read write');
    expect(form.has('client_secret')).toBe(false);
    // RFC 6749 §2.3.1: "mcp server" and the secret are form-encoded before base64.
    const basic = Buffer.from(headers.authorization!.replace(/^Basic /, ''), 'base64').toString();
    expect(basic).toBe('mcp+server:p%40ss+word%3A%2B%2F%26%3Dsecret');
  });

  it('a custom subject_token_type (Auth0 custom token exchange profiles)', async () => {
    await createTokenExchange(options({ subjectTokenType: 'urn:acme:mcp-access-token' })).tokenFor(SUBJECT, { audience: 'https://api.example' });
    expect(standIn.requests[0]!.form.get('subject_token_type')).toBe('urn:acme:mcp-access-token');
  });

  it('client_secret_post puts the id and secret in the body', async () => {
    await createTokenExchange(options({ authMethod: 'client_secret_post' })).tokenFor(SUBJECT, { audience: 'https://api.example' });
    const { form, headers } = standIn.requests[0]!;
    expect(headers.authorization).toBeUndefined();
    expect(form.get('client_id')).toBe('mcp server');
    expect(form.get('client_secret')).toBe(SECRET);
  });

  it('refuses to run without a target, a subject token, or credentials', async () => {
    const exchange = createTokenExchange(options());
    await expect(exchange.tokenFor(SUBJECT, {})).rejects.toThrow(/audience or resource/);
    await expect(exchange.tokenFor({ token: '' }, { audience: 'x' })).rejects.toThrow(/caller's token/);
    expect(() => createTokenExchange({ clientId: 'c', clientSecret: 's' })).toThrow(/tokenEndpoint or issuer/);
    expect(() => createTokenExchange(options({ clientSecret: undefined }))).toThrow(/clientSecret/);
    expect(() => createTokenExchange(options({ authMethod: 'private_key_jwt' }))).toThrow(/privateKeyJwt/);
    expect(standIn.requests).toHaveLength(0);
  });
});

describe('answers that give no usable token', () => {
  async function failure(reply: TokenEndpointStandIn['reply'], more: Partial<TokenExchangeOptions> = {}): Promise<TokenExchangeError> {
    standIn.reply = reply;
    const err = await createTokenExchange(options(more)).tokenFor(SUBJECT, { audience: 'https://api.example' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenExchangeError);
    expect((err as Error).message).not.toContain(SUBJECT);
    expect((err as Error).message).not.toContain(SECRET);
    return err as TokenExchangeError;
  }

  it('an OAuth error is REFUSED with the server\'s code and description', async () => {
    const err = await failure(() => ({ status: 400, body: { error: 'invalid_target', error_description: 'not for you' } }));
    expect(err).toMatchObject({ code: 'ERR_TOKEN_EXCHANGE_REFUSED', status: 400, error: 'invalid_target', error_description: 'not for you' });
  });

  it('a server error page, no access_token, a DPoP or ID token, or the subject token echoed back are FAILED', async () => {
    expect(await failure(() => ({ status: 502, body: '<html>Bad gateway</html>' }))).toMatchObject({ code: 'ERR_TOKEN_EXCHANGE_FAILED', status: 502 });
    expect((await failure(() => ({ status: 200, body: { token_type: 'Bearer' } }))).message).toMatch(/no access_token/);
    expect((await failure(() => ok({ token_type: 'DPoP' }))).message).toMatch(/not Bearer/);
    expect((await failure(() => ok({ issued_token_type: 'urn:ietf:params:oauth:token-type:id_token' }))).message).toMatch(/not an access token/);
    expect((await failure(() => ok({ access_token: SUBJECT }))).message).toMatch(/never passed through/);
  });

  it('an unreachable server, or one too slow, is FAILED with the reason', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await failure(() => ok(), { tokenEndpoint: `http://127.0.0.1:${port}/token` });
    expect(refused.message).toMatch(/network error/);
    const slow = await failure(() => ({ ...ok(), delayMs: 1000 }), { timeoutMs: 100 });
    expect(slow.message).toMatch(/timed out after 100 ms/);
  });
});

describe('cache', () => {
  it('serves a token again until shortly before it expires; other scopes or subjects are other entries', async () => {
    const exchange = createTokenExchange(options());
    const subject = { token: SUBJECT, expiresAt: soon(7200) };
    await exchange.tokenFor(subject, { audience: 'https://api.example', scope: 'a b' });
    const again = await exchange.exchange(subject, { audience: 'https://api.example', scope: ['b', 'a'] });
    expect(again.expiresIn).toBeGreaterThan(3500);
    expect(standIn.requests).toHaveLength(1);
    await exchange.tokenFor(subject, { audience: 'https://api.example', scope: 'a' });
    await exchange.tokenFor({ token: `${SUBJECT}-other`, expiresAt: soon(7200) }, { audience: 'https://api.example', scope: 'a b' });
    expect(standIn.requests).toHaveLength(3);
    expect(exchange.stats).toEqual({ requests: 3, cacheHits: 1, coalesced: 0 });
  });

  it('never keeps a token past the subject token\'s expiry, nor one within the refresh margin', async () => {
    const exchange = createTokenExchange(options());
    const expiredSubject = { token: SUBJECT, expiresAt: soon(-1) };
    await exchange.tokenFor(expiredSubject, { audience: 'https://api.example' });
    await exchange.tokenFor(expiredSubject, { audience: 'https://api.example' });
    expect(standIn.requests).toHaveLength(2);

    standIn.reply = () => ok({ expires_in: 20 }); // inside the 30 s margin: useless to keep
    await exchange.tokenFor({ token: SUBJECT, expiresAt: soon(3600) }, { audience: 'https://short.example' });
    await exchange.tokenFor({ token: SUBJECT, expiresAt: soon(3600) }, { audience: 'https://short.example' });
    expect(standIn.requests).toHaveLength(4);
  });

  it('never keeps a failure; cache: false keeps nothing but still coalesces', async () => {
    const exchange = createTokenExchange(options());
    standIn.reply = () => ({ status: 400, body: { error: 'invalid_grant' } });
    await expect(exchange.tokenFor(SUBJECT, { audience: 'https://api.example' })).rejects.toThrow(TokenExchangeError);
    standIn.reply = () => ok();
    await expect(exchange.tokenFor(SUBJECT, { audience: 'https://api.example' })).resolves.toBe('downstream-token-1');
    expect(standIn.requests).toHaveLength(2);

    const uncached = createTokenExchange(options({ cache: false }));
    await Promise.all([1, 2, 3].map(() => uncached.tokenFor(SUBJECT, { audience: 'https://api.example' })));
    await uncached.tokenFor(SUBJECT, { audience: 'https://api.example' });
    expect(uncached.stats).toEqual({ requests: 2, cacheHits: 0, coalesced: 2 });
  });
});

describe('discovery', () => {
  it('finds the token endpoint in the issuer\'s metadata once, and tries again after a failure', async () => {
    const issuer = `${standIn.origin}/realms/main`;
    const exchange = createTokenExchange({ issuer, clientId: 'mcp', clientSecret: 'secret' });
    const missing = await exchange.tokenFor(SUBJECT, { audience: 'https://api.example' }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'ERR_TOKEN_EXCHANGE_FAILED', message: expect.stringMatching(/token endpoint of .* is unknown[\s\S]*oauth-authorization-server\/realms\/main: HTTP 404[\s\S]*OAUTH_EXCHANGE_TOKEN_URL/) });

    standIn.documents.set('/.well-known/oauth-authorization-server/realms/main', { issuer, token_endpoint: standIn.tokenEndpoint });
    await exchange.tokenFor(SUBJECT, { audience: 'https://api.example' });
    await exchange.tokenFor(SUBJECT, { audience: 'https://other.example' });
    expect(standIn.requests).toHaveLength(2);
  });
});
