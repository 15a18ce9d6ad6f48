/**
 * Broker mode with GitHub (a plain OAuth 2 stand-in shaped like Enterprise
 * Server on loopback): no ID token, the user from `/api/v3/user` and
 * `/user/emails`, organisations and teams deciding who may sign in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGithubStandIn, type GithubStandIn } from '../helpers/github-stand-in.js';
import { headlessLogin, HeadlessLoginError } from '../helpers/headless-login.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, signInWithSdk, tempStateDir } from '../e2e/authority-harness.js';
import { callbackOn, freePort, jwtPayload, registeredClient, startBrokerDemo } from './broker-harness.js';

const OCTOCAT = { id: 583231, login: 'octocat', name: 'The Octocat', emails: [{ email: 'octocat@example.com', primary: true, verified: true }], orgs: ['acme'], teams: [{ org: 'acme', slug: 'platform' }] };
const OUTSIDER = { id: 9, login: 'outsider', emails: [{ email: 'out@example.net', primary: true, verified: true }], orgs: ['other'] };

describe('broker mode with GitHub Enterprise Server', () => {
  const state = tempStateDir();
  let github: GithubStandIn;
  let demo: Awaited<ReturnType<typeof startBrokerDemo>>;

  beforeAll(async () => {
    const port = await freePort();
    github = await startGithubStandIn({ redirectUri: callbackOn(port) });
    demo = await startBrokerDemo(state.path, port, {
      provider: 'github', githubUrl: github.url, clientId: github.clientId, clientSecret: github.clientSecret, allowed: { groups: ['acme/platform'] },
    });
  });
  afterAll(async () => {
    await demo?.close();
    await github?.close();
    state.remove();
  });

  it('signs the SDK client in with GitHub: whoami and the upstream tool name the GitHub user', async () => {
    github.signInAs(OCTOCAT);
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47731/callback' });
    const client = await signInWithSdk(demo.mcpUrl, provider, 'ignored');
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'github|583231' });
    expect(await callJson(client, 'upstream_whoami')).toMatchObject({ upstream: expect.stringContaining('GitHub Enterprise Server'), user: { login: 'octocat' } });
    await client.close();
    expect(jwtPayload(provider.tokens()!.access_token)).toMatchObject({ iss: demo.origin, aud: demo.mcpUrl, sub: 'github|583231' });
    expect(JSON.stringify(provider.tokens())).not.toContain('gho_');
    expect(github.requests).toEqual(expect.arrayContaining(['GET /api/v3/user', 'GET /api/v3/user/emails', 'GET /api/v3/user/teams']));
    expect(github.tokenAccepts.every((accept) => accept.includes('application/json'))).toBe(true);
  });

  it('refuses a user outside the allowed team', async () => {
    github.signInAs(OUTSIDER);
    const app = await registeredClient(demo.origin, 'http://127.0.0.1:47732/callback');
    const refused = await headlessLogin(app.authorizationUrl()).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(HeadlessLoginError);
    expect((refused as HeadlessLoginError).status).toBe(403);
  });
});
