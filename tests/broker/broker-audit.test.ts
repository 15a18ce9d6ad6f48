/**
 * Broker-mode sign-ins are audited like local ones: `signin.succeeded` names
 * the upstream user (Gatehouse's namespaced `sub`) and the client,
 * `signin.failed` says why (not on the allow-list, the upstream said no,
 * another browser) and carries no token, code or secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthorityDemo, type AuthorityDemo } from '../../src/cli/demo-authority.js';
import { DEMO_DEFAULTS } from '../../src/cli/demo.js';
import { mergeConfig } from '../../src/config/merge.js';
import type { AuditEvent } from '../../src/telemetry/types.js';
import { startEnterpriseIdp, type EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { headlessLogin } from '../helpers/headless-login.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { ScriptedBrowser } from '../helpers/scripted-browser.js';
import { callJson, signInWithSdk, tempStateDir } from '../e2e/authority-harness.js';
import { callbackOn, freePort, registeredClient } from './broker-harness.js';

const APP_REDIRECT = 'http://127.0.0.1:47761/callback';

describe('audit events of broker-mode sign-ins', () => {
  const state = tempStateDir();
  const audited: AuditEvent[] = [];
  let idp: EnterpriseIdp;
  let demo: AuthorityDemo;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    idp = await startEnterpriseIdp({
      redirectUri: callbackOn(port),
      users: { ada: { email: 'ada@example.com', email_verified: true, name: 'Ada' }, eve: { email: 'eve@other.example', email_verified: true } },
    });
    const layers = mergeConfig(DEMO_DEFAULTS, {
      authority: { stateDir: state.path },
      upstream: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, allowed: { domains: ['example.com'] } },
    });
    demo = await startAuthorityDemo(layers, 'localhost', port, { out: () => {}, err: () => {} }, { onAudit: (event) => void audited.push(event) });
  });
  afterAll(async () => {
    await demo?.close();
    await idp?.close();
    state.remove();
  });

  const signIns = () => audited.filter((e) => e.event.startsWith('signin.'));

  it('a sign-in at the upstream: signin.succeeded naming the upstream user and the client, then consent and tokens', async () => {
    audited.length = 0;
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47762/callback' });
    const client = await signInWithSdk(demo.mcpUrl, provider, 'ada');
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'oidc|ada' });
    await client.close();
    const clientId = String(provider.clientInformation()!.client_id);
    expect(signIns()).toEqual([expect.objectContaining({ event: 'signin.succeeded', subject: 'oidc|ada', clientId, scopes: expect.arrayContaining(['mcp:tools']) })]);
    expect(audited.map((e) => e.event)).toEqual(expect.arrayContaining(['signin.succeeded', 'consent.granted', 'token.issued']));
    const text = JSON.stringify(audited);
    for (const secret of [idp.clientSecret, provider.tokens()!.access_token, provider.tokens()!.refresh_token!]) expect(text).not.toContain(secret);
  });

  it('a user the allow-list refuses: signin.failed, reason not_allowed, naming them', async () => {
    audited.length = 0;
    const app = await registeredClient(`http://localhost:${port}`, APP_REDIRECT);
    await headlessLogin(app.authorizationUrl(), { login: 'eve' }).catch(() => {});
    expect(signIns()).toEqual([expect.objectContaining({ event: 'signin.failed', subject: 'oidc|eve', reason: 'not_allowed', clientId: app.clientId })]);
  });

  it('the upstream says no: signin.failed, reason upstream_denied', async () => {
    audited.length = 0;
    const browser = new ScriptedBrowser();
    const app = await registeredClient(`http://localhost:${port}`, APP_REDIRECT);
    const started = await browser.open(app.authorizationUrl(), idp.issuer);
    await browser.open(`${callbackOn(port)}?error=access_denied&state=${encodeURIComponent(started.url.searchParams.get('state')!)}`, APP_REDIRECT);
    expect(signIns()).toEqual([expect.objectContaining({ event: 'signin.failed', reason: 'upstream_denied', clientId: app.clientId })]);
  });

  it('a callback in another browser: signin.failed, reason other_browser', async () => {
    audited.length = 0;
    const app = await registeredClient(`http://localhost:${port}`, APP_REDIRECT);
    const started = await new ScriptedBrowser().open(app.authorizationUrl(), idp.issuer);
    const victim = new ScriptedBrowser();
    const callback = await headlessLogin(started.url, { login: 'ada', cookies: victim.jar, redirectUri: callbackOn(port) });
    expect((await victim.request(callback)).status).toBe(400);
    expect(signIns()).toEqual([expect.objectContaining({ event: 'signin.failed', reason: 'other_browser', clientId: app.clientId })]);
  });
});
