/**
 * Broker mode against an enterprise-shaped upstream (a second oidc-provider:
 * no registration, no resource indicators, opaque short-lived access
 * tokens, one confidential client): the official SDK client signs in
 * through Gatehouse, holds Gatehouse's own token for the MCP resource, and
 * the upstream tool keeps working after the upstream token expired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnterpriseIdp, type EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, signInWithSdk, tempStateDir } from '../e2e/authority-harness.js';
import { callbackOn, freePort, jwtPayload, startBrokerDemo } from './broker-harness.js';

const USERS = {
  ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', groups: ['engineering'] },
  eve: { email: 'eve@other.example', email_verified: true, name: 'Eve' },
};

describe('broker mode with an enterprise OIDC upstream', () => {
  const state = tempStateDir();
  let idp: EnterpriseIdp;
  let demo: Awaited<ReturnType<typeof startBrokerDemo>>;

  beforeAll(async () => {
    const port = await freePort();
    // 32 s: within the vault's 30 s refresh skew after 2 s, so a refresh is due without a long wait.
    idp = await startEnterpriseIdp({ redirectUri: callbackOn(port), accessTokenTtl: 32, users: USERS });
    demo = await startBrokerDemo(state.path, port, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
      allowed: { domains: ['example.com'] },
    });
  });
  afterAll(async () => {
    await demo?.close();
    await idp?.close();
    state.remove();
  });

  it('signs the SDK client in at the upstream; the token it holds is Gatehouse\'s, for the MCP resource', async () => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47711/callback' });
    const client = await signInWithSdk(demo.mcpUrl, provider, 'ada');
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'oidc|ada', resource: demo.mcpUrl });
    const upstream = await callJson(client, 'upstream_whoami');
    expect(upstream).toMatchObject({ user: { sub: 'ada', email: 'ada@example.com', name: 'Ada Lovelace' } });
    await client.close();
    const tokens = provider.tokens()!;
    expect(jwtPayload(tokens.access_token)).toMatchObject({ iss: demo.origin, aud: demo.mcpUrl, sub: 'oidc|ada' });
    expect(JSON.stringify(tokens)).not.toContain(idp.issuer.replace('http://', ''));
  });
});
