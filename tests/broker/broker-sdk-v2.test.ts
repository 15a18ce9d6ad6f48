/**
 * The SDK v2 client (`@modelcontextprotocol/client`) in broker mode: it
 * signs in through Gatehouse to an enterprise-shaped OIDC upstream (a second
 * oidc-provider) and to the GitHub-style stand-in, holds Gatehouse's own
 * token for the MCP resource, and calls the upstream tool. GitHub's token
 * endpoint answers JSON when asked and form-encoded otherwise; Gatehouse
 * reads both, end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnterpriseIdp, type EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { startGithubStandIn, type GithubStandIn } from '../helpers/github-stand-in.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJsonV2, signInWithSdkV2 } from '../helpers/sdk-v2-sign-in.js';
import { tempStateDir } from '../e2e/authority-harness.js';
import { callbackOn, freePort, jwtPayload, startBrokerDemo } from './broker-harness.js';

const OCTOCAT = { id: 583231, login: 'octocat', name: 'The Octocat', emails: [{ email: 'octocat@example.com', primary: true, verified: true }] };

describe('the SDK v2 client, broker mode, enterprise OIDC upstream', () => {
  const state = tempStateDir();
  let idp: EnterpriseIdp;
  let demo: Awaited<ReturnType<typeof startBrokerDemo>>;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startEnterpriseIdp({ redirectUri: callbackOn(port), users: { ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' } } });
    demo = await startBrokerDemo(state.path, port, { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, allowed: { domains: ['example.com'] } });
  });
  afterAll(async () => {
    await demo?.close();
    await idp?.close();
    state.remove();
  });

  it.each([['auto', 'auto'], ['legacy', 'legacy']] as const)('signs in (%s): whoami and the upstream tool name the upstream user; the token is Gatehouse\'s', async (_name, mode) => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47741/callback' });
    const client = await signInWithSdkV2(demo.mcpUrl, provider, 'ada', mode);
    try {
      expect(await callJsonV2(client, 'whoami')).toMatchObject({ subject: 'oidc|ada', resource: demo.mcpUrl });
      expect(await callJsonV2(client, 'upstream_whoami')).toMatchObject({ user: { sub: 'ada', email: 'ada@example.com', name: 'Ada Lovelace' } });
    } finally {
      await client.close();
    }
    const tokens = provider.tokens()!;
    expect(jwtPayload(tokens.access_token)).toMatchObject({ iss: demo.origin, aud: demo.mcpUrl, sub: 'oidc|ada' });
    expect(provider.authorizationUrls).toHaveLength(1);
  });
});

describe.each([
  ['JSON (Gatehouse asks for it)', false, 'json'],
  ['form-encoded (the Accept header ignored)', true, 'form'],
] as const)('the SDK v2 client, broker mode, GitHub token answers %s', (_name, formEncodedAlways, answerType) => {
  const state = tempStateDir();
  let github: GithubStandIn;
  let demo: Awaited<ReturnType<typeof startBrokerDemo>>;

  beforeAll(async () => {
    const port = await freePort();
    github = await startGithubStandIn({ redirectUri: callbackOn(port), formEncodedAlways });
    demo = await startBrokerDemo(state.path, port, { provider: 'github', githubUrl: github.url, clientId: github.clientId, clientSecret: github.clientSecret });
  });
  afterAll(async () => {
    await demo?.close();
    await github?.close();
    state.remove();
  });

  it('signs in through Gatehouse at GitHub and calls the upstream tool', async () => {
    github.signInAs(OCTOCAT);
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47742/callback' });
    const client = await signInWithSdkV2(demo.mcpUrl, provider, 'ignored', 'auto');
    try {
      expect(await callJsonV2(client, 'whoami')).toMatchObject({ subject: 'github|583231' });
      expect(await callJsonV2(client, 'upstream_whoami')).toMatchObject({ upstream: expect.stringContaining('GitHub Enterprise Server'), user: { login: 'octocat' } });
    } finally {
      await client.close();
    }
    expect(jwtPayload(provider.tokens()!.access_token)).toMatchObject({ iss: demo.origin, aud: demo.mcpUrl, sub: 'github|583231' });
    expect(JSON.stringify(provider.tokens())).not.toContain('gho_');
    expect(github.tokenAnswerTypes).toEqual([answerType]);
  });

  it('the stand-in itself answers form-encoded to a token request that does not ask for JSON', async () => {
    const answer = await fetch(`${github.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: github.clientId, client_secret: github.clientSecret, code: 'nope' }),
    });
    expect(answer.headers.get('content-type')).toContain('application/x-www-form-urlencoded');
    expect(new URLSearchParams(await answer.text()).get('error')).toBe('bad_verification_code');
  });
});
