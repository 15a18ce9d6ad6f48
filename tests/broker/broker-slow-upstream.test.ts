/**
 * Broker mode with an upstream IdP that is slow during sign-in: its token
 * endpoint does not answer (the code redemption hangs, as a 5 s stall
 * would; here past a 1 s `upstream.timeoutMs`, so the test stays short).
 * The user gets the page naming the upstream (504, "could not be
 * reached"), bounded by the timeout, not a hang; meanwhile unrelated
 * requests to the same Gatehouse (metadata, the MCP endpoint's challenge)
 * all complete before it. Ordering is asserted, not timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnterpriseIdp, type EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { headlessLogin } from '../helpers/headless-login.js';
import { ScriptedBrowser } from '../helpers/scripted-browser.js';
import { tempStateDir } from '../e2e/authority-harness.js';
import { callbackOn, freePort, registeredClient, startBrokerDemo } from './broker-harness.js';

const APP_REDIRECT = 'http://127.0.0.1:47722/callback';

describe('broker mode with an upstream that stalls during sign-in', () => {
  const state = tempStateDir();
  let idp: EnterpriseIdp;
  let demo: Awaited<ReturnType<typeof startBrokerDemo>>;
  let port: number;
  /** Set while the upstream's token endpoint holds its requests; called to let them go. */
  let releaseStall: (() => void) | undefined;
  let stalled: Promise<void> | undefined;

  beforeAll(async () => {
    port = await freePort();
    idp = await startEnterpriseIdp({ redirectUri: callbackOn(port) });
    idp.stallWith((path) => (path === '/token' ? stalled : undefined));
    demo = await startBrokerDemo(state.path, port, { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, timeoutMs: 1000 });
  });
  afterAll(async () => {
    releaseStall?.();
    await demo?.close();
    await idp?.close();
    state.remove();
  });

  it('the code redemption hangs: a page naming the upstream after the timeout, and unrelated requests complete first', async () => {
    const browser = new ScriptedBrowser();
    const app = await registeredClient(demo.origin, APP_REDIRECT);
    const callback = await headlessLogin(app.authorizationUrl(), { login: 'ada', cookies: browser.jar, redirectUri: callbackOn(port) });
    stalled = new Promise<void>((resolve) => (releaseStall = resolve));
    try {
      const order: string[] = [];
      const signIn = browser.request(callback).then(async (answer) => (order.push('sign-in'), { status: answer.status, body: await answer.text() }));
      const unrelated = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? fetch(`${demo.origin}/.well-known/oauth-authorization-server`) : fetch(demo.mcpUrl, { method: 'POST', body: '{}' })).then(async (r) => {
            order.push('unrelated');
            await r.body?.cancel();
            return r.status;
          }),
        ),
      );
      expect(unrelated).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 ? 200 : 401)));
      const page = await signIn;
      expect(order).toEqual([...Array(10).fill('unrelated'), 'sign-in']);
      expect(page.status).toBe(504);
      expect(page.body).toContain(`Sign-in at your identity provider (${new URL(idp.issuer).host}) failed`);
      expect(page.body).toContain('did not answer within 1 s while redeeming the sign-in code');
      expect(demo.output.err.join('\n')).toMatch(/ERR_UPSTREAM_UNREACHABLE/);
    } finally {
      releaseStall?.();
      stalled = undefined;
    }
  });
});
