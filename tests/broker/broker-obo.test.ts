/**
 * Broker mode and Entra ID's on-behalf-of flow: a tool's one call,
 * `exchange.tokenFor(extra.authInfo, { scope })`, sends the user's stored
 * upstream token (not Gatehouse's token, which Entra would refuse) as the
 * OBO assertion to the Entra token endpoint stand-in, and after that token
 * expired, the refreshed one. The upstream is the enterprise-shaped
 * oidc-provider; Entra's token endpoint is the stand-in of
 * tests/e2e/exchange-entra.test.ts (Entra cannot run here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenExchange } from '../../src/exchange/create-token-exchange.js';
import { JWT_BEARER_GRANT } from '../../src/exchange/types.js';
import type { AuthInfo } from '../../src/tokens/types.js';
import { startEnterpriseIdp, type EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { signInWithSdk, tempStateDir } from '../e2e/authority-harness.js';
import { startTokenEndpointStandIn, type TokenEndpointStandIn } from '../e2e/exchange-stand-in.js';
import { callbackOn, freePort, jwtPayload, startBrokerDemo } from './broker-harness.js';

const TENANT = '7f1c2a52-0000-4000-8000-000000000001';
const TOKEN_PATH = `/${TENANT}/oauth2/v2.0/token`;
const OBO_CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
const OBO_SECRET = 'entra~client.secret-for-tests-only';

describe('broker mode: the stored upstream token as Entra on-behalf-of assertion', () => {
  const state = tempStateDir();
  let idp: EnterpriseIdp;
  let entra: TokenEndpointStandIn;
  let demo: Awaited<ReturnType<typeof startBrokerDemo>>;
  let authInfo: AuthInfo;
  let gatehouseToken: string;

  beforeAll(async () => {
    const port = await freePort();
    // 32 s: within the vault's 30 s refresh margin after 2 s.
    idp = await startEnterpriseIdp({ redirectUri: callbackOn(port), accessTokenTtl: 32, users: { ada: { email: 'ada@example.com', email_verified: true } } });
    entra = await startTokenEndpointStandIn(TOKEN_PATH);
    demo = await startBrokerDemo(state.path, port, { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret });
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47781/callback' });
    const client = await signInWithSdk(demo.mcpUrl, provider, 'ada');
    await client.close();
    gatehouseToken = provider.tokens()!.access_token;
    const claims = jwtPayload(gatehouseToken);
    // What the gate hands a tool as extra.authInfo.
    authInfo = { token: gatehouseToken, clientId: String(claims.client_id), scopes: ['mcp:tools'], expiresAt: Number(claims.exp), extra: { claims } };
  });
  afterAll(async () => {
    await demo?.close();
    await entra?.close();
    await idp?.close();
    state.remove();
  });

  it('sends the upstream token as assertion, never Gatehouse\'s, and the refreshed one once it expired', async () => {
    let issued = 0;
    entra.reply = (request) => ({ status: 200, body: { token_type: 'Bearer', scope: 'api://orders/Orders.Read', expires_in: 3600, access_token: `downstream-${++issued}-for-${request.form.get('assertion')!.slice(0, 6)}` } });
    const exchange = createTokenExchange({
      variant: 'entra-obo',
      tokenEndpoint: `${entra.origin}${TOKEN_PATH}`,
      clientId: OBO_CLIENT_ID,
      clientSecret: OBO_SECRET,
      subjectFrom: (info) => demo.authority.upstreamTokenFor(info),
    });
    const upstreamToken = await demo.authority.upstreamTokenFor(authInfo);

    // The tool's one call.
    expect(await exchange.tokenFor(authInfo, { scope: 'api://orders/.default' })).toMatch(/^downstream-1-/);
    expect(entra.requests).toHaveLength(1);
    expect(Object.fromEntries(entra.requests[0]!.form)).toEqual({
      grant_type: JWT_BEARER_GRANT,
      assertion: upstreamToken,
      requested_token_use: 'on_behalf_of',
      scope: 'api://orders/.default',
      client_id: OBO_CLIENT_ID,
      client_secret: OBO_SECRET,
    });
    expect(JSON.stringify(entra.requests.map((r) => [...r.form.values()]))).not.toContain(gatehouseToken);
    // Cached for the same upstream token.
    await exchange.tokenFor(authInfo, { scope: 'api://orders/.default' });
    expect(entra.requests).toHaveLength(1);

    // The upstream token falls due: the next call refreshes it at the upstream and exchanges the new one.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await exchange.tokenFor(authInfo, { scope: 'api://orders/.default' })).toMatch(/^downstream-2-/);
    const refreshed = await demo.authority.upstreamTokenFor(authInfo);
    expect(refreshed).not.toBe(upstreamToken);
    expect(entra.requests.at(-1)!.form.get('assertion')).toBe(refreshed);
  });

  it('refuses a bare token when the subject comes from the AuthInfo, and a token of no sign-in at the upstream', async () => {
    const exchange = createTokenExchange({ variant: 'entra-obo', tokenEndpoint: `${entra.origin}${TOKEN_PATH}`, clientId: OBO_CLIENT_ID, clientSecret: OBO_SECRET, subjectFrom: (info) => demo.authority.upstreamTokenFor(info) });
    const before = entra.requests.length;
    await expect(exchange.tokenFor(gatehouseToken, { scope: 'api://orders/.default' })).rejects.toThrow(/pass extra.authInfo/);
    await expect(exchange.tokenFor({ ...authInfo, extra: { claims: {} } }, { scope: 'api://orders/.default' })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_NO_TOKEN' });
    expect(entra.requests.length).toBe(before);
  });
});
